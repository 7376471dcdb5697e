/* Staff page /staff/localiser/CC/KEY: the partner's country drawn from the outlines the app
   ships (no tiles, no CDN), a click puts the point in the latitude/longitude fields, which the
   form posts as it would without JavaScript. The server checks the point is inside the country. */
(function () {
  "use strict";
  var box = document.getElementById("place-map");
  if (!box || !window.L) { return; }
  var country = box.getAttribute("data-country");
  var lat = document.getElementById("lat"), lon = document.getElementById("lon");
  var map = L.map(box, { maxZoom: 14, minZoom: 1, zoomSnap: 0.25, worldCopyJump: true, attributionControl: false });
  map.setView([20, 0], 2);
  var marker = null;

  // Leaflet puts a string tooltip in as HTML: names from surveys go in as text.
  function text(value) {
    var span = document.createElement("span");
    span.textContent = value || "";
    return span;
  }

  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function show(point) {
    if (marker) { marker.setLatLng(point); return; }
    marker = L.circleMarker(point, { radius: 8, color: "#b3261e", weight: 3, fillOpacity: 0.6 })
      .bindTooltip(text(box.getAttribute("data-label"))).addTo(map);
  }

  function put(latlng) {
    var point = latlng.wrap();
    lat.value = point.lat.toFixed(5);
    lon.value = point.lng.toFixed(5);
    show(point);
  }

  function fromFields() {
    var y = number(lat), x = number(lon);
    if (y !== null && x !== null && Math.abs(y) <= 90 && Math.abs(x) <= 180) { show([y, x]); return true; }
    return false;
  }

  // A country across the antimeridian (Russia, Fiji) spans the whole world: frame its largest part.
  function frame(features) {
    var all = L.geoJSON(features).getBounds();
    if (all.getEast() - all.getWest() <= 180) { return all; }
    var best = null, size = -1;
    features.forEach(function (feature) {
      var geometry = feature.geometry, polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      polygons.forEach(function (rings) {
        var bounds = L.geoJSON({ type: "Polygon", coordinates: rings }).getBounds();
        var area = (bounds.getEast() - bounds.getWest()) * (bounds.getNorth() - bounds.getSouth());
        if (area > size) { size = area; best = bounds; }
      });
    });
    return best || all;
  }

  map.on("click", function (event) { put(event.latlng); });
  [lat, lon].forEach(function (input) { input.addEventListener("change", fromFields); });
  Array.prototype.forEach.call(document.querySelectorAll(".suggestion"), function (node) {
    var point = [parseFloat(node.getAttribute("data-lat")), parseFloat(node.getAttribute("data-lon"))];
    L.circleMarker(point, { radius: 6, color: "#1d5fa8", weight: 2, fillOpacity: 0.3 })
      .bindTooltip(text(node.textContent)).on("click", function (event) {
        L.DomEvent.stopPropagation(event);
        put(L.latLng(point));
      }).addTo(map);
  });

  fetch(box.getAttribute("data-outlines"))
    .then(function (response) { return response.json(); })
    .then(function (world) {
      var outlines = L.geoJSON(world, {
        interactive: false,
        style: function (feature) {
          return feature.properties.iso === country
            ? { color: "#1e3a5f", weight: 2, fillColor: "#fff8e1", fillOpacity: 1 }
            : { color: "#9aa5b1", weight: 0.6, fillColor: "#eef1f4", fillOpacity: 1 };
        }
      }).addTo(map);
      outlines.bringToBack();
      var mine = world.features.filter(function (feature) { return feature.properties.iso === country; });
      if (mine.length) { map.fitBounds(frame(mine), { padding: [12, 12], animate: false }); }
      box.setAttribute("data-ready", "1");
    })
    .catch(function () { box.setAttribute("data-ready", "error"); });
  fromFields();
})();
