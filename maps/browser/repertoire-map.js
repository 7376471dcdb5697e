/* Répertoire — draws a map view built by maps/web.py on a Leaflet map made by folium
 * (maps/folium_map.py: the map, its marker cluster and this layer are folium elements; the
 * assets are vendored, no CDN).
 *
 * The data comes once, as rows of plain values (maps/links.py LINK_COLUMNS); the lines are
 * one canvas layer (repertoire-arcs.js). Survey text is only ever put in the page with
 * textContent / text nodes, never as HTML: a partner named `<img src=x onerror=…>` shows as
 * text (DESIGN.md: text from surveys is data). Every string shown comes translated in
 * `view.ui` (Flask-Babel, maps/web.py ui_strings).
 */
(function () {
  "use strict";

  var FRENCH_DOT = "#1b2a6b", PARTNER_DOT = "#8b1a1a", SVG = "http://www.w3.org/2000/svg";

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    return node;
  }

  /* A message with {name} fields; a [singular, plural] pair is chosen by `values.n`. */
  function fmt(template, values) {
    if (Array.isArray(template)) template = template[values.n === 1 ? 0 : 1];
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function mark(name) { if (window.performance && performance.mark) performance.mark("rm:" + name); }

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
  /* Both sides, as a list row's link names them: "Alfortville – Ashtarak (Arménie)". */
  Links.prototype.title = function (row) {
    return this.get(row, "french_name") + " – " + this.get(row, "partner_name") + " (" + this.country(row) + ")";
  };
  Links.prototype.detail = function (row) {
    return this.view.detail_url ? this.view.detail_url + encodeURIComponent(this.get(row, "id")) : "";
  };

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
    if (this.detail(row)) box.appendChild(el("a", ui.details, {href: this.detail(row)}));
    return box;
  };

  /* The popup of a place: its name and the links shown that start or end there. */
  Links.prototype.placePopup = function (place, shown) {
    var ui = this.view.ui, self = this, box = el("div", null, {"class": "rm-popup"});
    var rows = place.rows.filter(shown);
    box.appendChild(el("p", place.name, {"class": "rm-popup-title"}));
    box.appendChild(el("p", fmt(ui.links_here, {n: rows.length})));
    var ul = el("ul");
    rows.slice(0, 12).forEach(function (row) {
      var other = place.side === "french" ? self.get(row, "partner_name") + " (" + self.country(row) + ")"
                                          : self.get(row, "french_name");
      var li = el("li");
      if (self.detail(row)) li.appendChild(el("a", other, {href: self.detail(row)}));
      else li.textContent = other;
      li.appendChild(document.createTextNode(" · " + self.label("kinds", self.get(row, "kind"))));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (rows.length > 12) box.appendChild(el("p", fmt(ui.more, {n: rows.length - 12})));
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

  function background(map, geojson, view) {
    var highlight = {};
    (view.highlight || []).forEach(function (code) { highlight[code] = true; });
    return L.geoJSON(geojson, {
      interactive: false, pane: "rm-background", renderer: backgroundRenderer(map),
      style: function (f) {
        var on = highlight[f.properties.iso];
        return {color: "#8c8c8c", weight: 0.6, fillColor: on ? "#e8dcc0" : "#f4f1ea", fillOpacity: 1};
      }
    });
  }

  /* Categories (kinds or themes) present, in vocabulary order, "not given" last. */
  function categories(links, view) {
    var order = view.order[view.color_by === "theme" ? "themes" : "kinds"], seen = {};
    links.rows.forEach(function (row) { seen[links.category(row, view.color_by)] = true; });
    return Object.keys(seen).sort(function (a, b) {
      return (a === "" ? 999 : order.indexOf(a)) - (b === "" ? 999 : order.indexOf(b));
    });
  }

  /* The arcs, the places in folium's marker cluster (`cluster`), the legend whose boxes show or
   * hide a kind (or theme) on the arcs, in the clusters and in the list (`refreshList`). */
  function drawLinks(map, view, overlays, cluster, refreshList) {
    var links = new Links(view), by = view.color_by, palette = view.colours[by];
    var cats = categories(links, view), catIndex = {}, counts = cats.map(function () { return 0; });
    cats.forEach(function (cat, i) { catIndex[cat] = i; });
    var n = links.rows.length, ends = new Float64Array(4 * n), catOf = new Uint16Array(n);
    var places = {}, bounds = L.latLngBounds([]), hidden = {}, rowIndex = new Map();
    function shown(row) { return !hidden[catOf[rowIndex.get(row)]]; }
    function place(key, side, name, lat, lon, row) {
      var p = places[key];
      if (!p) p = places[key] = {side: side, name: name, lat: lat, lon: lon, rows: []};
      p.rows.push(row);
    }
    links.rows.forEach(function (row, i) {
      var fl = links.get(row, "french_lat"), fo = links.get(row, "french_lon");
      var pl = links.get(row, "partner_lat"), po = links.get(row, "partner_lon");
      ends[4 * i] = fl; ends[4 * i + 1] = fo; ends[4 * i + 2] = pl; ends[4 * i + 3] = po;
      bounds.extend([fl, fo]); bounds.extend([pl, po]);
      catOf[i] = catIndex[links.category(row, by)];
      counts[catOf[i]]++;
      rowIndex.set(row, i);
      place("f|" + links.get(row, "french_id"), "french", links.get(row, "french_name"), fl, fo, row);
      place("p|" + pl + "|" + po + "|" + links.get(row, "partner_name"), "partner",
            links.get(row, "partner_name") + " (" + links.country(row) + ")", pl, po, row);
    });
    var arcs, markers = [], clustered;
    var done = new Promise(function (resolve) { clustered = resolve; });
    // A box of the legend hides a category everywhere: arcs, places (a place keeps the links
    // still shown, and disappears with none), clusters (their numbers count links), the list.
    function toggle(i, off) {
      if (off) hidden[i] = true; else delete hidden[i];
      arcs.setHidden(i, off);
      fillCluster();
      if (refreshList) refreshList(shown);
    }
    function fillCluster() {
      var visible = [];
      markers.forEach(function (m) {
        m.options.shown = m.options.place.rows.filter(shown);  // the cluster icons count these
        if (m.options.shown.length) visible.push(m);
      });
      cluster.clearLayers();
      cluster.addLayers(visible);
      if (!visible.length) clustered();
    }
    // The legend, then the frame, above the legend (it would hide the links of a corner); and
    // only then the arcs and the clusters, computed once for the final view.
    var legend = linksLegend(map, view, links, cats, counts, toggle);
    var frame = view.bounds ? L.latLngBounds(view.bounds) : bounds;
    if (frame.isValid()) {
      map.fitBounds(frame, {paddingTopLeft: [20, 20], paddingBottomRight: [20, Math.min(legend.offsetHeight, map.getSize().y / 3) + 20],
                            maxZoom: 9, animate: false});
    }
    arcs = RepertoireArcs.layer(ends, catOf, cats.map(function (c) { return palette[c] || palette[""]; }), {
      onClick: function (i, latlng) { L.popup().setLatLng(latlng).setContent(links.popup(links.rows[i])).openOn(map); }
    });
    arcs.addTo(map);
    mark("arcs");

    // Places on their own canvas, in folium's MarkerCluster (its options and its icons, which
    // count the partnerships of their places, come from maps/folium_map.py). Without its split/merge animation: at 10k
    // links it tripled the time of a zoom.
    var dots = L.canvas({padding: 0.5});
    cluster.options.chunkProgress = function (processed, total) { if (processed >= total) clustered(); };
    Object.keys(places).forEach(function (key) {
      var p = places[key];
      var m = L.circleMarker([p.lat, p.lon], {
        renderer: dots, radius: p.side === "french" ? 4 : 3.5, weight: 1, color: "#fff",
        fillColor: p.side === "french" ? FRENCH_DOT : PARTNER_DOT, fillOpacity: 0.95, place: p
      });
      m.bindTooltip(function () { return document.createTextNode(p.name); });
      m.bindPopup(function () { return links.placePopup(p, shown); });
      markers.push(m);
    });
    fillCluster();
    if (!map.hasLayer(cluster)) cluster.addTo(map);
    overlays[view.ui.links] = arcs;
    overlays[view.ui.places] = cluster;
    window.repertoireArcs = arcs;
    window.repertoireCluster = cluster;
    return done;
  }

  /* A legend in the map's bottom right corner; returns its element. */
  function legendControl(map, build) {
    var control = L.control({position: "bottomright"}), div = el("div", null, {"class": "rm-legend"});
    control.onAdd = function () {
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      build(div);
      return div;
    };
    control.addTo(map);
    return div;
  }

  function swatch(colour, cls) {
    var node = el("span", null, {"class": cls || "rm-swatch", "aria-hidden": "true"});
    node.style.background = colour;
    return node;
  }

  /* The colours of the lines, each with a box that shows or hides them: toggle(index, hidden). */
  function linksLegend(map, view, links, cats, counts, toggle) {
    return legendControl(map, function (div) {
      var fieldset = el("fieldset"), vocab = view.color_by === "theme" ? "themes" : "kinds";
      fieldset.appendChild(el("legend", view.color_by === "theme" ? view.ui.legend_theme : view.ui.legend_kind));
      cats.forEach(function (cat, i) {
        var id = "rm-cat-" + i, label = el("label", null, {"for": id});
        var box = el("input", null, {type: "checkbox", id: id});
        box.checked = true;
        box.addEventListener("change", function () { toggle(i, !box.checked); });
        label.appendChild(box);
        label.appendChild(swatch(view.colours[view.color_by][cat] || view.colours[view.color_by][""]));
        label.appendChild(document.createTextNode(links.label(vocab, cat) + " (" + counts[i] + ")"));
        fieldset.appendChild(label);
      });
      var sides = el("p", null, {"class": "rm-sides"});
      [[FRENCH_DOT, view.ui.french], [PARTNER_DOT, view.ui.partner]].forEach(function (pair) {
        sides.appendChild(swatch(pair[0], "rm-dot"));
        sides.appendChild(document.createTextNode(pair[1] + " "));
      });
      fieldset.appendChild(sides);
      div.appendChild(fieldset);
    });
  }

  /* The links as a table beside the map; returns refresh(shown), which lists only the rows
   * `shown(row)` keeps (the legend's boxes), unplaced links always. */
  function linksTable(view, target) {
    var links = new Links(view), ui = view.ui, placed = view.rows, unplaced = view.unplaced, all;
    var table = el("table", null, {"class": "rm-table rm-links"}), caption = el("caption");
    table.appendChild(caption);
    var head = el("tr");
    // Two columns: the partnership, whose link names both sides, and what it is.
    [ui.partnership, ui.kind_year + " — " + ui.themes].forEach(function (h) {
      head.appendChild(el("th", h, {scope: "col"}));
    });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    table.appendChild(body);
    target.appendChild(table);
    // A 10k-row table costs seconds of layout on every frame: rows come by pages of 500,
    // the next page with a button (keyboard and screen readers reach it like any button).
    var size = 500, more = el("button", null, {type: "button", "class": "rm-more"});
    function page(start) {
      var frag = document.createDocumentFragment();
      all.slice(start, start + size).forEach(function (row) { frag.appendChild(tableRow(row)); });
      body.appendChild(frag);
      var shownCount = Math.min(all.length, start + size);
      if (shownCount < all.length) {
        more.textContent = fmt(ui.show_more, {n: Math.min(size, all.length - shownCount), shown: shownCount, total: all.length});
        more.onclick = function () { page(shownCount); };
        if (!more.parentNode) target.appendChild(more);
      } else if (more.parentNode) {
        more.parentNode.removeChild(more);
      }
    }
    function tableRow(row) {
      var tr = el("tr"), first = el("td");
      if (links.detail(row)) first.appendChild(el("a", links.title(row), {href: links.detail(row)}));
      else first.textContent = links.title(row);
      tr.appendChild(first);
      var since = links.get(row, "since"), themes = links.themes(row);
      var last = el("td", links.label("kinds", links.get(row, "kind")) + (since ? ", " + since : ""));
      if (themes) last.appendChild(el("span", themes, {"class": "rm-themes"}));
      tr.appendChild(last);
      return tr;
    }
    function refresh(shown) {
      all = (shown ? placed.filter(shown) : placed).concat(unplaced);
      caption.textContent = ui.list_caption + " (" + all.length + ")";
      body.textContent = "";
      page(0);
    }
    refresh(null);
    document.documentElement.setAttribute("data-list-ready", "1");
    return refresh;
  }

  function areaTable(view, target) {
    var ui = view.ui, table = el("table", null, {"class": "rm-table rm-areas"});
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

  function areaStyle(view, code) {
    var n = view.values[code] || 0, colour = n ? classColour(view, n) : null;
    return {color: "#666", weight: 0.6, fillColor: colour || "#f4f1ea", fillOpacity: colour ? 0.9 : (view.areas ? 0.3 : 1)};
  }

  function areaName(view, f) {
    var code = f.properties[view.key];
    return view.names[code] || f.properties.nom || f.properties.name || code;
  }

  function drawChoropleth(map, view, areas, overlays, insetsTarget) {
    var overseas = [], home = L.latLngBounds([]);
    var layer = L.geoJSON(areas, {
      pane: "rm-background", renderer: backgroundRenderer(map),
      style: function (f) { return areaStyle(view, f.properties[view.key]); },
      onEachFeature: function (f, layer) {
        var code = f.properties[view.key], n = view.values[code] || 0, name = areaName(view, f);
        layer.bindTooltip(function () { return document.createTextNode(fmt(view.ui.area_count, {name: name, n: n})); }, {sticky: true});
        if (view.area_url && n) layer.on("click", function () { window.location.href = view.area_url + encodeURIComponent(code); });
        if (f.properties.outre_mer) overseas.push(f); else home.extend(layer.getBounds());
      }
    }).addTo(map);
    overlays[view.title] = layer;
    legendControl(map, function (div) {
      div.appendChild(el("p", view.ui.count, {"class": "rm-legend-title"}));
      view.classes.forEach(function (k) {
        var row = el("p");
        row.appendChild(swatch(k.colour));
        row.appendChild(document.createTextNode(k.from === k.to ? String(k.from) : k.from + "–" + k.to));
        div.appendChild(row);
      });
    });
    if (overseas.length && insetsTarget) insets(insetsTarget, view, overseas);
    // Frame metropolitan France: the DROM are shown in the insets, not by zooming out to them.
    return view.areas && home.isValid() ? home : null;
  }

  /* The DROM in small boxes under the map, as French maps show them beside the metropole (on
   * the map they would hide part of it): one SVG each, equirectangular at the island's latitude,
   * filled like the areas of the map. */
  function insets(target, view, features) {
    target.appendChild(el("p", view.ui.overseas, {"class": "rm-insets-title"}));
    features.forEach(function (f) {
      var code = f.properties[view.key], n = view.values[code] || 0, name = areaName(view, f);
      var figure = el("figure", null, {"class": "rm-inset"}), text = fmt(view.ui.area_count, {name: name, n: n});
      var style = n ? areaStyle(view, code) : {color: "#666", fillColor: "#f4f1ea", fillOpacity: 1};  // land, not pale blue
      figure.appendChild(insetShape(f.geometry, style, text));
      figure.appendChild(el("figcaption", text));
      target.appendChild(figure);
    });
  }

  function insetShape(geometry, style, title) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, k;
    polygons.forEach(function (poly) { poly[0].forEach(function (pt) {
      x0 = Math.min(x0, pt[0]); x1 = Math.max(x1, pt[0]); y0 = Math.min(y0, pt[1]); y1 = Math.max(y1, pt[1]);
    }); });
    k = Math.cos((y0 + y1) / 2 * Math.PI / 180);
    var w = (x1 - x0) * k, h = y1 - y0, side = Math.max(w, h) * 1.1, size = 64;
    var ox = x0 * k - (side - w) / 2, oy = y1 + (side - h) / 2, d = "";
    polygons.forEach(function (poly) { poly.forEach(function (ring) {
      ring.forEach(function (pt, i) {
        d += (i ? "L" : "M") + ((pt[0] * k - ox) / side * size).toFixed(1) + " " + ((oy - pt[1]) / side * size).toFixed(1);
      });
      d += "Z";
    }); });
    var svg = document.createElementNS(SVG, "svg"), path = document.createElementNS(SVG, "path");
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("width", size); svg.setAttribute("height", size);
    svg.setAttribute("role", "img"); svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", d);
    path.setAttribute("fill", style.fillColor); path.setAttribute("fill-opacity", style.fillOpacity);
    path.setAttribute("stroke", style.color); path.setAttribute("stroke-width", "0.8");
    var tip = document.createElementNS(SVG, "title");
    tip.textContent = title;
    svg.appendChild(tip); svg.appendChild(path);
    return svg;
  }

  function loadJSON(source) {
    if (!source) return Promise.resolve(null);
    if (typeof source === "object") return Promise.resolve(source);
    return fetch(source, {credentials: "same-origin"}).then(function (r) { return r.json(); });
  }

  /* Draw `view` on `map`, a Leaflet map made by folium; `sources` gives the outlines (objects,
   * or local URLs), folium's marker cluster (`cluster`), and `listId` the element that receives
   * the same content as a table (none in a notebook). */
  function drawOn(map, view, sources) {
    sources = sources || {};
    mark("start");
    // The table first: the map reads its size once, and the table beside it changes the layout.
    var list = document.getElementById(sources.listId || "map-list-body"), refreshList = null;
    if (list) {
      if (view.mode === "links") refreshList = linksTable(view, list); else areaTable(view, list);
      mark("list");
    } else {
      document.documentElement.setAttribute("data-list-ready", "1");
    }
    map.invalidateSize({pan: false});
    if (window.ResizeObserver) {  // a wider table page, a narrower window: keep the map's size right
      new ResizeObserver(function () { map.invalidateSize({pan: false}); }).observe(map.getContainer());
    }
    var overlays = {}, bases = {};
    var outlines = L.layerGroup().addTo(map);
    bases[view.ui.outlines] = outlines;
    bases[view.ui.osm] = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18, attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    });
    var pending = [];
    if (view.mode === "links") {
      var cluster = sources.cluster || L.markerClusterGroup({showCoverageOnHover: false, animate: false});
      pending.push(drawLinks(map, view, overlays, cluster, refreshList));
    }
    pending.push(loadJSON(sources.outlines).then(function (geojson) {
      if (geojson) outlines.addLayer(background(map, geojson, view));
      mark("outlines");
    }));
    if (view.mode === "choropleth") {
      pending.push(loadJSON(sources.areas || sources.outlines).then(function (areas) {
        var b = drawChoropleth(map, view, areas, overlays, document.getElementById(sources.insetsId || "map-insets"));
        if (b) map.fitBounds(b, {padding: [10, 10], animate: false});
      }));
    }
    L.control.layers(bases, overlays, {collapsed: true}).addTo(map);
    L.control.scale({imperial: false}).addTo(map);
    return Promise.all(pending).then(function () {
      mark("ready");
      document.documentElement.setAttribute("data-map-ready", "1");
      window.repertoireMapReadyAt = performance.now();
      window.repertoireMap = map;
      window.repertoireView = view;  // what was drawn, for tests and the console
      return map;
    });
  }

  window.RepertoireMap = {drawOn: drawOn, format: fmt};
})();
