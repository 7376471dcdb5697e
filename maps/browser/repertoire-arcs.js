/* Répertoire — every link of a map in one canvas layer (Leaflet renderer, no L.Polyline).
 *
 * 10k links as parts of L.Polyline objects took 1.5 s per zoom (tests/bench_maps.py):
 * Leaflet re-projects and clips every point on every zoom. Here the great-circle arcs are
 * computed once, in Web Mercator at zoom 0, then each redraw only scales them, drops the
 * points closer than a few pixels (fewer points when zoomed out), skips arcs outside the
 * view, and strokes one path per colour. A click or hover finds the nearest arc itself.
 *
 *   var arcs = RepertoireArcs.layer(ends, cats, colours, {onClick: function (i, latlng) {…}});
 *   arcs.addTo(map); arcs.setHidden(2, true);
 */
(function () {
  "use strict";

  var RAD = Math.PI / 180, MAX_LAT = 85.0511287798, WORLD = 256;

  /* Leaflet's EPSG:3857 at zoom 0: the world is 256 px wide (L.CRS.EPSG3857.project). */
  function mercatorX(lon) { return WORLD * (0.5 + lon / 360); }
  function mercatorY(lat) {
    var s = Math.sin(Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * RAD);
    return WORLD * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI));
  }

  /* Angular distance (radians) between two places. */
  function distance(lat1, lon1, lat2, lon2) {
    var p1 = lat1 * RAD, p2 = lat2 * RAD;
    return 2 * Math.asin(Math.sqrt(Math.pow(Math.sin((p2 - p1) / 2), 2) +
      Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin((lon2 - lon1) * RAD / 2), 2)));
  }

  /* One point per 3° of arc, 1 to 48 segments: the resolution at the closest zoom. */
  function segments(d) { return Math.max(1, Math.min(48, Math.floor(d / RAD / 3))); }

  /* Great-circle points [lat, lon] between two places, longitudes kept continuous. */
  function arc(lat1, lon1, lat2, lon2) {
    var out = [], d = distance(lat1, lon1, lat2, lon2);
    if (d < 1e-6) return [[lat1, lon1], [lat2, lon2]];
    var p1 = lat1 * RAD, l1 = lon1 * RAD, p2 = lat2 * RAD, l2 = lon2 * RAD, steps = segments(d), prev = null;
    for (var k = 0; k <= steps; k++) {
      var f = k / steps, a = Math.sin((1 - f) * d) / Math.sin(d), b = Math.sin(f * d) / Math.sin(d);
      var x = a * Math.cos(p1) * Math.cos(l1) + b * Math.cos(p2) * Math.cos(l2);
      var y = a * Math.cos(p1) * Math.sin(l1) + b * Math.cos(p2) * Math.sin(l2);
      var z = a * Math.sin(p1) + b * Math.sin(p2);
      var lon = Math.atan2(y, x) / RAD;
      if (prev !== null) lon += 360 * Math.round((prev - lon) / 360);  // no jump over 180°
      prev = lon;
      out.push([Math.atan2(z, Math.sqrt(x * x + y * y)) / RAD, lon]);
    }
    return out;
  }

  /* Every arc's points in zoom-0 pixels, in flat arrays: link i owns points start[i]…start[i+1]-1,
   * and its box is box[4i…4i+3] (min x, min y, max x, max y). */
  function geometry(ends, n) {
    var start = new Int32Array(n + 1), total = 0, i, k;
    for (i = 0; i < n; i++) {
      var d = distance(ends[4 * i], ends[4 * i + 1], ends[4 * i + 2], ends[4 * i + 3]);
      start[i] = total;
      total += d < 1e-6 ? 2 : segments(d) + 1;
    }
    start[n] = total;
    var xs = new Float64Array(total), ys = new Float64Array(total), box = new Float64Array(4 * n);
    for (i = 0; i < n; i++) {
      var points = arc(ends[4 * i], ends[4 * i + 1], ends[4 * i + 2], ends[4 * i + 3]);
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (k = 0; k < points.length; k++) {
        var x = mercatorX(points[k][1]), y = mercatorY(points[k][0]);
        xs[start[i] + k] = x; ys[start[i] + k] = y;
        if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
      }
      box[4 * i] = x0; box[4 * i + 1] = y0; box[4 * i + 2] = x1; box[4 * i + 3] = y1;
    }
    return {start: start, xs: xs, ys: ys, box: box};
  }

  function distanceToSegment(px, py, ax, ay, bx, by) {
    var dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy, t = 0;
    if (len > 0) t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len));
    var ex = ax + t * dx - px, ey = ay + t * dy - py;
    return Math.sqrt(ex * ex + ey * ey);
  }

  var ArcLayer = L.Renderer.extend({
    options: {
      // 1 px: Skia draws it as a hairline; 1.4 px lines are stroked into outlines first, and
      // 10k of them crossing over France took a second to rasterise on every zoom.
      weight: 1, opacity: 0.7, padding: 0.3,
      minStep: 3,     // px: points closer than this to the last drawn one are skipped
      tolerance: 5,   // px around a line that a click or hover still reaches
      onClick: null   // function (linkIndex, latlng)
    },

    /* `ends`: [lat1, lon1, lat2, lon2] per link, flat; `cats`: a category index per link;
     * `colours`: a CSS colour per category, drawn in this order (the legend's). */
    initialize: function (ends, cats, colours, options) {
      L.Renderer.prototype.initialize.call(this, options);
      this._n = cats.length;
      this._cats = cats;
      this._colours = colours;
      this._hidden = colours.map(function () { return false; });
      this._geo = geometry(ends, this._n);
      var members = colours.map(function () { return []; });
      for (var i = 0; i < this._n; i++) members[cats[i]].push(i);
      this._members = members.map(function (list) { return Int32Array.from(list); });
    },

    onAdd: function (map) {
      L.Renderer.prototype.onAdd.call(this, map);
      map.on("click", this._onMapClick, this);
      map.on("mousemove", this._onMapMove, this);
    },

    onRemove: function (map) {
      map.off("click", this._onMapClick, this);
      map.off("mousemove", this._onMapMove, this);
      L.DomUtil.removeClass(map.getContainer(), "rm-arc-hover");
      L.Renderer.prototype.onRemove.call(this, map);
    },

    _initContainer: function () {
      this._container = L.DomUtil.create("canvas", "rm-arcs");
      this._ctx = this._container.getContext("2d");
    },

    _destroyContainer: function () {
      L.DomUtil.remove(this._container);
      delete this._ctx;
      delete this._container;
    },

    _updatePaths: function () {},  // no Leaflet paths: _update draws everything

    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;  // the CSS transform does it
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, size = b.getSize(), m = L.Browser.retina ? 2 : 1, canvas = this._container;
      L.DomUtil.setPosition(canvas, b.min);
      canvas.width = m * size.x;  // also clears it
      canvas.height = m * size.y;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
      var ctx = this._ctx;
      ctx.setTransform(m, 0, 0, m, -m * b.min.x, -m * b.min.y);  // draw in layer points
      this._draw();
    },

    /* The view in zoom-0 pixels, and what turns those into layer points. */
    _frame: function () {
      var map = this._map, scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin(), b = this._bounds;
      return {scale: scale, ox: origin.x, oy: origin.y,
              x0: (b.min.x + origin.x) / scale, y0: (b.min.y + origin.y) / scale,
              x1: (b.max.x + origin.x) / scale, y1: (b.max.y + origin.y) / scale};
    },

    _draw: function () {
      var ctx = this._ctx, f = this._frame(), g = this._geo, xs = g.xs, ys = g.ys, start = g.start, box = g.box;
      var b = this._bounds, bx0 = b.min.x, by0 = b.min.y, bx1 = b.max.x, by1 = b.max.y;
      var scale = f.scale, ox = f.ox, oy = f.oy, step = this.options.minStep;
      ctx.lineWidth = this.options.weight;
      ctx.globalAlpha = this.options.opacity;
      ctx.lineJoin = ctx.lineCap = "round";
      this._drawn = 0;
      for (var c = 0; c < this._colours.length; c++) {
        if (this._hidden[c]) continue;
        var members = this._members[c];
        ctx.beginPath();
        for (var m = 0; m < members.length; m++) {
          var i = members[m], j = 4 * i;
          if (box[j] > f.x1 || box[j + 2] < f.x0 || box[j + 1] > f.y1 || box[j + 3] < f.y0) continue;
          this._drawn++;
          var k = start[i], end = start[i + 1] - 1;
          var px = xs[k] * scale - ox, py = ys[k] * scale - oy, pen = false;
          var pc = (px < bx0 ? 1 : px > bx1 ? 2 : 0) | (py < by0 ? 4 : py > by1 ? 8 : 0);
          for (k++; k <= end; k++) {
            var x = xs[k] * scale - ox, y = ys[k] * scale - oy;
            if (k < end && Math.abs(x - px) + Math.abs(y - py) < step) continue;
            var code = (x < bx0 ? 1 : x > bx1 ? 2 : 0) | (y < by0 ? 4 : y > by1 ? 8 : 0);
            if ((code & pc) === 0) {  // not both ends beyond the same edge: the segment may show
              if (!pen) { ctx.moveTo(px, py); pen = true; }
              ctx.lineTo(x, y);
            } else {
              pen = false;
            }
            px = x; py = y; pc = code;
          }
        }
        ctx.strokeStyle = this._colours[c];
        ctx.stroke();
      }
    },

    /* The link whose line passes nearest a layer point, within the tolerance; -1 if none. */
    linkAt: function (point) {
      if (!this._map) return -1;
      var f = this._frame(), g = this._geo, xs = g.xs, ys = g.ys, box = g.box, start = g.start;
      var tol = this.options.tolerance + this.options.weight / 2, pad = tol / f.scale;
      var gx = (point.x + f.ox) / f.scale, gy = (point.y + f.oy) / f.scale;
      var best = -1, bestDistance = tol;
      for (var i = 0; i < this._n; i++) {
        var j = 4 * i;
        if (this._hidden[this._cats[i]] || gx < box[j] - pad || gx > box[j + 2] + pad ||
            gy < box[j + 1] - pad || gy > box[j + 3] + pad) continue;
        for (var k = start[i] + 1; k < start[i + 1]; k++) {
          var d = distanceToSegment(gx, gy, xs[k - 1], ys[k - 1], xs[k], ys[k]) * f.scale;
          if (d <= bestDistance) { bestDistance = d; best = i; }
        }
      }
      return best;
    },

    /* The middle point of a link's line, as a LatLng (tests, keyboard focus). */
    middle: function (i) {
      var g = this._geo, k = Math.floor((g.start[i] + g.start[i + 1] - 1) / 2);
      return L.CRS.EPSG3857.pointToLatLng(L.point(g.xs[k], g.ys[k]), 0);
    },

    setHidden: function (category, hidden) {
      this._hidden[category] = !!hidden;
      if (this._map) this._update();
      return this;
    },

    _onMapClick: function (e) {
      var i = this.linkAt(e.layerPoint);
      if (i >= 0 && this.options.onClick) this.options.onClick(i, e.latlng);
    },

    _onMapMove: function (e) {
      // One hit test per frame at most: near France every arc's box holds the pointer.
      this._pointer = e.layerPoint;
      if (this._moveFrame) return;
      var self = this;
      this._moveFrame = L.Util.requestAnimFrame(function () {
        self._moveFrame = null;
        if (!self._map || self._map._animatingZoom || !self._pointer) return;
        L.DomUtil[self.linkAt(self._pointer) >= 0 ? "addClass" : "removeClass"](self._map.getContainer(), "rm-arc-hover");
      });
    }
  });

  window.RepertoireArcs = {
    arc: arc,
    layer: function (ends, cats, colours, options) { return new ArcLayer(ends, cats, colours, options); }
  };
})();
