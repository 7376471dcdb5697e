/* Répertoire — draws a map view built by maps/web.py with Leaflet (vendored, no CDN).
 *
 * The data comes once, as rows of plain values (maps/links.py LINK_COLUMNS). Survey text is
 * only ever put in the page with textContent / text nodes, never as HTML: a partner named
 * `<img src=x onerror=…>` shows as text (DESIGN.md: text from surveys is data).
 */
(function () {
  "use strict";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    return node;
  }

  function fmt(template, n) { return template.replace("{n}", String(n)); }

  /* Great-circle points [lat, lon] between two places, longitudes kept continuous. */
  function arc(lat1, lon1, lat2, lon2) {
    var r = Math.PI / 180, p1 = lat1 * r, l1 = lon1 * r, p2 = lat2 * r, l2 = lon2 * r;
    var d = 2 * Math.asin(Math.sqrt(Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin((l2 - l1) / 2), 2)));
    if (d < 1e-6) return [[lat1, lon1], [lat2, lon2]];
    var steps = Math.max(1, Math.min(48, Math.floor(d / r / 3))), out = [], prev = null;
    for (var k = 0; k <= steps; k++) {
      var f = k / steps, a = Math.sin((1 - f) * d) / Math.sin(d), b = Math.sin(f * d) / Math.sin(d);
      var x = a * Math.cos(p1) * Math.cos(l1) + b * Math.cos(p2) * Math.cos(l2);
      var y = a * Math.cos(p1) * Math.sin(l1) + b * Math.cos(p2) * Math.sin(l2);
      var z = a * Math.sin(p1) + b * Math.sin(p2);
      var lon = Math.atan2(y, x) / r;
      if (prev !== null) lon += 360 * Math.round((prev - lon) / 360);
      prev = lon;
      out.push([Math.atan2(z, Math.sqrt(x * x + y * y)) / r, lon]);
    }
    return out;
  }

  function Links(view) {
    var c = {};
    view.columns.forEach(function (name, i) { c[name] = i; });
    this.c = c;
    this.view = view;
    this.rows = view.rows;
  }
  Links.prototype.get = function (row, name) { return row[this.c[name]]; };
  Links.prototype.category = function (row, by) {
    if (by === "theme") return (this.get(row, "themes") || "").split(";")[0] || "";
    return this.get(row, "kind") || "";
  };
  Links.prototype.label = function (kind, code) {
    var labels = this.view.labels[kind] || {};
    return labels[code] || code || this.view.ui.none;
  };
  Links.prototype.themes = function (row) {
    var self = this;
    return (this.get(row, "themes") || "").split(";").filter(Boolean)
      .map(function (t) { return self.label("themes", t); }).join(", ");
  };
  Links.prototype.country = function (row) { return this.label("countries", this.get(row, "partner_country")); };

  /* The popup of one link: both names, kind, year, themes, a link to its page. */
  Links.prototype.popup = function (row) {
    var ui = this.view.ui, box = el("div", null, {"class": "rm-popup"});
    var title = el("p", null, {"class": "rm-popup-title"});
    title.appendChild(el("strong", this.get(row, "french_name")));
    title.appendChild(document.createTextNode(" — "));
    title.appendChild(el("strong", this.get(row, "partner_name")));
    title.appendChild(document.createTextNode(" (" + this.country(row) + ")"));
    box.appendChild(title);
    var dl = el("dl");
    var since = this.get(row, "since");
    [[ui.type, this.label("kinds", this.get(row, "kind"))],
     [ui.status, this.label("statuses", this.get(row, "status"))],
     [ui.since, since === null || since === undefined ? "" : since],
     [ui.themes, this.themes(row)]].forEach(function (pair) {
      if (pair[1] === "" || pair[1] === undefined) return;
      dl.appendChild(el("dt", pair[0])); dl.appendChild(el("dd", pair[1]));
    });
    box.appendChild(dl);
    if (this.view.detail_url) {
      box.appendChild(el("a", ui.details, {href: this.view.detail_url + encodeURIComponent(this.get(row, "id"))}));
    }
    return box;
  };

  /* The popup of a place: its name and the links that start or end there. */
  Links.prototype.placePopup = function (place) {
    var ui = this.view.ui, self = this, box = el("div", null, {"class": "rm-popup"});
    box.appendChild(el("p", place.name, {"class": "rm-popup-title"}));
    box.appendChild(el("p", fmt(ui.links_here, place.rows.length)));
    var ul = el("ul");
    place.rows.slice(0, 12).forEach(function (row) {
      var other = place.side === "french" ? self.get(row, "partner_name") + " (" + self.country(row) + ")"
                                          : self.get(row, "french_name");
      var li = el("li");
      if (self.view.detail_url) {
        li.appendChild(el("a", other, {href: self.view.detail_url + encodeURIComponent(self.get(row, "id"))}));
      } else {
        li.textContent = other;
      }
      li.appendChild(document.createTextNode(" · " + self.label("kinds", self.get(row, "kind"))));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (place.rows.length > 12) box.appendChild(el("p", fmt(ui.more, place.rows.length - 12)));
    return box;
  };

  /* Outlines and choropleth areas go in their own pane, under the links whatever loads first. */
  function backgroundRenderer(map) {
    if (!map._rmBackground) {
      map.createPane("rm-background").style.zIndex = 250;
      map._rmBackground = L.canvas({pane: "rm-background", padding: 0.5});
    }
    return map._rmBackground;
  }

  function background(map, geojson, view, interactive) {
    var highlight = {};
    (view.highlight || []).forEach(function (code) { highlight[code] = true; });
    return L.geoJSON(geojson, {
      interactive: !!interactive, pane: "rm-background", renderer: backgroundRenderer(map),
      style: function (f) {
        var on = highlight[f.properties.iso];
        return {color: "#8c8c8c", weight: 0.6, fillColor: on ? "#e8dcc0" : "#f4f1ea", fillOpacity: 1};
      }
    });
  }

  function drawLinks(map, view, overlays) {
    // Lines and places on separate canvases: markercluster adds and removes places all the
    // time, and a partial redraw of a shared canvas left the long lines drawn in stripes.
    var renderer = L.canvas({padding: 0.5, tolerance: 4}), dots = L.canvas({padding: 0.5});
    var links = new Links(view), by = view.color_by, colours = view.colours;
    var lineGroups = {}, bounds = L.latLngBounds([]);
    var places = {};
    function place(key, side, name, lat, lon, row) {
      var p = places[key];
      if (!p) p = places[key] = {side: side, name: name, lat: lat, lon: lon, rows: []};
      p.rows.push(row);
    }
    // One multi-part polyline per colour: 10k separate layers cost seconds to create and to
    // redraw on every zoom. A click finds the nearest part, that is the link, itself.
    links.rows.forEach(function (row) {
      var cat = links.category(row, by);
      var group = lineGroups[cat] || (lineGroups[cat] = {rows: [], parts: []});
      var fl = links.get(row, "french_lat"), fo = links.get(row, "french_lon");
      var pl = links.get(row, "partner_lat"), po = links.get(row, "partner_lon");
      group.rows.push(row);
      group.parts.push(arc(fl, fo, pl, po));
      place("f|" + links.get(row, "french_id"), "french", links.get(row, "french_name"), fl, fo, row);
      place("p|" + pl + "|" + po + "|" + links.get(row, "partner_name"), "partner",
            links.get(row, "partner_name") + " (" + links.country(row) + ")", pl, po, row);
    });
    var linesLayer = L.layerGroup();
    Object.keys(lineGroups).forEach(function (cat) {
      var group = lineGroups[cat];
      var line = L.polyline(group.parts, {
        renderer: renderer, color: colours[by][cat] || colours[by][""], weight: 1.4, opacity: 0.7
      });
      line.rmRows = group.rows;
      line.on("click", function (e) {
        var row = group.rows[nearestPart(line, e.layerPoint)];
        L.popup().setLatLng(e.latlng).setContent(links.popup(row)).openOn(map);
      });
      lineGroups[cat] = line;
      linesLayer.addLayer(line);
    });
    linesLayer.addTo(map);

    var clustered;
    var done = new Promise(function (resolve) { clustered = resolve; });
    var cluster = L.markerClusterGroup({
      chunkProgress: function (processed, total) { if (processed >= total) clustered(); },
      chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 35,
      spiderfyOnMaxZoom: true, disableClusteringAtZoom: 11
    });
    var markers = [];
    Object.keys(places).forEach(function (key) {
      var p = places[key];
      var m = L.circleMarker([p.lat, p.lon], {
        renderer: dots, radius: p.side === "french" ? 4 : 3.5, weight: 1, color: "#fff",
        fillColor: p.side === "french" ? "#1b2a6b" : "#8b1a1a", fillOpacity: 0.95
      });
      m.bindTooltip(function () { return document.createTextNode(p.name); });
      m.bindPopup(function () { return links.placePopup(p); });
      markers.push(m);
      bounds.extend([p.lat, p.lon]);
    });
    cluster.addLayers(markers);
    cluster.addTo(map);
    overlays[view.ui.links] = linesLayer;
    overlays[view.ui.places] = cluster;
    legend(map, view, links, lineGroups, linesLayer);
    if (!markers.length) clustered();
    return {bounds: bounds.isValid() ? bounds : null, done: done};
  }

  function nearestPart(line, point) {
    var best = 0, bestDistance = Infinity, rings = line._rings;
    for (var i = 0; i < rings.length; i++) {
      for (var j = 1; j < rings[i].length; j++) {
        var d = L.LineUtil.pointToSegmentDistance(point, rings[i][j - 1], rings[i][j]);
        if (d < bestDistance) { bestDistance = d; best = i; }
      }
    }
    return best;
  }

  function legend(map, view, links, lineGroups, linesLayer) {
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var div = el("div", null, {"class": "rm-legend"});
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", view.ui.legend + " — " + view.ui.colour_by + " " +
        (view.color_by === "theme" ? view.ui.theme : view.ui.kind)));
      var vocab = view.color_by === "theme" ? "themes" : "kinds";
      var cats = Object.keys(lineGroups).sort(function (a, b) {
        var order = view.order[vocab];
        return (a === "" ? 999 : order.indexOf(a)) - (b === "" ? 999 : order.indexOf(b));
      });
      cats.forEach(function (cat, i) {
        var id = "rm-cat-" + i, label = el("label", null, {"for": id});
        var box = el("input", null, {type: "checkbox", id: id});
        box.checked = true;
        box.addEventListener("change", function () {
          if (box.checked) linesLayer.addLayer(lineGroups[cat]); else linesLayer.removeLayer(lineGroups[cat]);
        });
        var swatch = el("span", null, {"class": "rm-swatch", "aria-hidden": "true"});
        swatch.style.background = view.colours[view.color_by][cat] || view.colours[view.color_by][""];
        label.appendChild(box); label.appendChild(swatch);
        label.appendChild(document.createTextNode(links.label(vocab, cat) + " (" + lineGroups[cat].rmRows.length + ")"));
        fieldset.appendChild(label);
      });
      var sides = el("p", null, {"class": "rm-sides"});
      [["#1b2a6b", view.ui.french], ["#8b1a1a", view.ui.partner]].forEach(function (pair) {
        var dot = el("span", null, {"class": "rm-dot", "aria-hidden": "true"});
        dot.style.background = pair[0];
        sides.appendChild(dot); sides.appendChild(document.createTextNode(pair[1] + " "));
      });
      fieldset.appendChild(sides);
      div.appendChild(fieldset);
      return div;
    };
    control.addTo(map);
  }

  function linksTable(view, target) {
    var links = new Links(view), ui = view.ui;
    var table = el("table", null, {"class": "rm-table"});
    table.appendChild(el("caption", ui.list_caption + " (" + (view.rows.length + view.unplaced.length) + ")"));
    var head = el("tr");
    [ui.french, ui.partner, ui.kind_year, ui.themes].forEach(function (h) {
      head.appendChild(el("th", h, {scope: "col"}));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody"), all = view.rows.concat(view.unplaced);
    table.appendChild(body);
    target.appendChild(table);
    // A 10k-row table costs seconds of layout on every frame: rows come by pages of 1,000,
    // the next page with a button (keyboard and screen readers reach it like any button).
    var more = el("button", null, {type: "button", "class": "rm-more"});
    function page(start) {
      var frag = document.createDocumentFragment();
      all.slice(start, start + 1000).forEach(function (row) { frag.appendChild(tableRow(row)); });
      body.appendChild(frag);
      var shown = Math.min(all.length, start + 1000);
      if (shown < all.length) {
        more.textContent = fmt(ui.show_more, Math.min(1000, all.length - shown)) + " (" + shown + " / " + all.length + ")";
        more.onclick = function () { page(shown); };
        if (!more.parentNode) target.appendChild(more);
      } else if (more.parentNode) {
        more.parentNode.removeChild(more);
      }
    }
    page(0);
    document.documentElement.setAttribute("data-list-ready", "1");
    function tableRow(row) {
      var tr = el("tr"), first = el("td");
      if (view.detail_url) {
        first.appendChild(el("a", links.get(row, "french_name"),
          {href: view.detail_url + encodeURIComponent(links.get(row, "id"))}));
      } else {
        first.textContent = links.get(row, "french_name");
      }
      tr.appendChild(first);
      tr.appendChild(el("td", links.get(row, "partner_name") + " (" + links.country(row) + ")"));
      var since = links.get(row, "since");
      tr.appendChild(el("td", links.label("kinds", links.get(row, "kind")) + (since ? ", " + since : "")));
      tr.appendChild(el("td", links.themes(row)));
      return tr;
    }
  }

  function areaTable(view, target) {
    var ui = view.ui, table = el("table", null, {"class": "rm-table"});
    table.appendChild(el("caption", ui.area_caption));
    var head = el("tr");
    head.appendChild(el("th", ui.area, {scope: "col"}));
    head.appendChild(el("th", ui.count, {scope: "col"}));
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    view.table.forEach(function (r) {
      var tr = el("tr"), name = el("th", null, {scope: "row"});
      if (view.area_url) name.appendChild(el("a", r[1], {href: view.area_url + encodeURIComponent(r[0])}));
      else name.textContent = r[1];
      tr.appendChild(name);
      tr.appendChild(el("td", r[2]));
      body.appendChild(tr);
    });
    table.appendChild(body);
    target.appendChild(table);
    document.documentElement.setAttribute("data-list-ready", "1");
  }

  function classColour(view, n) {
    for (var i = 0; i < view.classes.length; i++) if (n <= view.classes[i].to) return view.classes[i].colour;
    return null;
  }

  function drawChoropleth(map, view, areas, overlays) {
    var layer = L.geoJSON(areas, {
      pane: "rm-background", renderer: backgroundRenderer(map),
      style: function (f) {
        var n = view.values[f.properties[view.key]] || 0, colour = n ? classColour(view, n) : null;
        return {color: "#666", weight: 0.6, fillColor: colour || "#f4f1ea", fillOpacity: colour ? 0.9 : (view.areas ? 0.3 : 1)};
      },
      onEachFeature: function (f, layer) {
        var code = f.properties[view.key], n = view.values[code] || 0;
        var name = view.names[code] || f.properties.nom || f.properties.name || code;
        layer.bindTooltip(function () { return document.createTextNode(name + " : " + n); }, {sticky: true});
        if (view.area_url && n) layer.on("click", function () { window.location.href = view.area_url + encodeURIComponent(code); });
      }
    }).addTo(map);
    overlays[view.title] = layer;
    var control = L.control({position: "bottomright"});
    control.onAdd = function () {
      var div = el("div", null, {"class": "rm-legend"});
      div.appendChild(el("p", view.ui.count, {"class": "rm-legend-title"}));
      view.classes.forEach(function (k) {
        var row = el("p"), swatch = el("span", null, {"class": "rm-swatch", "aria-hidden": "true"});
        swatch.style.background = k.colour;
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(k.from === k.to ? String(k.from) : k.from + "–" + k.to));
        div.appendChild(row);
      });
      return div;
    };
    control.addTo(map);
    return view.areas ? layer.getBounds() : null;
  }

  function loadJSON(source) {
    if (!source) return Promise.resolve(null);
    if (typeof source === "object") return Promise.resolve(source);
    return fetch(source, {credentials: "same-origin"}).then(function (r) { return r.json(); });
  }

  /* Draw `view` in the element `mapId`; `sources` gives the outlines (objects, or local URLs)
   * and `listId` the element that receives the same content as a table. */
  function draw(mapId, view, sources) {
    sources = sources || {};
    var map = L.map(mapId, {minZoom: 1, maxZoom: 18, worldCopyJump: false, zoomSnap: 0.25,
                            preferCanvas: true, attributionControl: true});
    // With no tile layer MarkerCluster needs a maxZoom (DESIGN.md); the background is ours.
    map.setView([30, 10], 2);
    var overlays = {}, bases = {};
    var outlines = L.layerGroup().addTo(map);
    bases[view.ui.outlines] = outlines;
    bases[view.ui.osm] = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    });
    var bounds = null;
    var pending = [];
    if (view.mode === "links") {
      var drawn = drawLinks(map, view, overlays);
      bounds = drawn.bounds;
      pending.push(drawn.done);
    }
    pending = pending.concat([loadJSON(sources.outlines).then(function (geojson) {
      if (geojson) outlines.addLayer(background(map, geojson, view, false));
    })]);
    if (view.mode === "choropleth") {
      pending.push(loadJSON(sources.areas || sources.outlines).then(function (areas) {
        var b = drawChoropleth(map, view, areas, overlays);
        if (b) map.fitBounds(b, {padding: [10, 10], animate: false});
      }));
    }
    if (view.bounds) bounds = L.latLngBounds(view.bounds);
    if (bounds && bounds.isValid()) map.fitBounds(bounds, {padding: [20, 20], maxZoom: 9});
    L.control.layers(bases, overlays, {collapsed: true}).addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    var list = document.getElementById(sources.listId || "map-list-body");
    if (list) {
      if (view.mode === "links") linksTable(view, list); else areaTable(view, list);
    }
    return Promise.all(pending).then(function () {
      document.documentElement.setAttribute("data-map-ready", "1");
      window.repertoireMapReadyAt = performance.now();
      window.repertoireMap = map;
      return map;
    });
  }

  window.RepertoireMap = {draw: draw, arc: arc};
})();
