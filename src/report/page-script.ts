// The report page's own script (plain ES2017, run by the browser after uPlot's): it reads the
// embedded JSON (src/report/data.ts), draws the objective space of the generation the slider
// shows and the per-generation line charts with uPlot, and exposes its state as
// window.mednasReport (the browser test reads the plots' data from there; uPlot draws on a canvas,
// so the DOM holds no points to count). All text it puts into the page goes through textContent.
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('mednas-data').textContent);
  var G = data.generations.length;
  var archs = data.architectures;
  var COLORS = { scored: '#aab4bf', population: '#2f74d0', front: '#e8590c', chosen: '#111111' };
  var current = G;
  var lineCharts = [];

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return 'n/a';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(3);
    return String(Math.round(v * 1e4) / 1e4);
  }
  function fmtFlops(v) { return v >= 1e9 ? (v / 1e9).toFixed(2) + ' G' : v >= 1e6 ? (v / 1e6).toFixed(2) + ' M' : String(v); }
  // Axis ticks: 12.5M rather than 12,500,000 (uPlot's default), which does not fit beside a small chart.
  function tick(v) {
    var a = Math.abs(v), p = function (x) { return String(Number(x.toPrecision(4))); };
    return a >= 1e9 ? p(v / 1e9) + 'G' : a >= 1e6 ? p(v / 1e6) + 'M' : a >= 1e4 ? p(v / 1e3) + 'k' : p(v);
  }
  function widthOf(el, max) { return Math.max(240, Math.min(el.clientWidth || 600, max)); }

  // The objective space in uPlot's aligned mode: x (f1) sorted, each series holding a point's f2
  // at its index and null elsewhere, so every point is drawn by exactly one of scored /
  // population / front (the chosen architecture is an extra ring over its point).
  function scatterData(g) {
    var gen = data.generations[g - 1];
    var pop = new Set(gen.population);
    var front = new Set(gen.front);
    var pts = gen.points.slice().sort(function (a, b) { return a[1] - b[1] || a[0] - b[0]; });
    var x = [], s = [], p = [], f = [], c = [], order = [];
    pts.forEach(function (pt) {
      var role = front.has(pt[0]) ? f : pop.has(pt[0]) ? p : s;
      x.push(pt[1]);
      [s, p, f].forEach(function (arr) { arr.push(arr === role ? pt[2] : null); });
      c.push(pt[0] === data.chosen ? pt[2] : null);
      order.push(pt[0]);
    });
    return { order: order, data: [x, s, p, f, c] };
  }

  var scatterEl = document.getElementById('objective-plot');
  var hoverEl = document.getElementById('objective-hover');
  var shown = scatterData(current);

  function pointsSeries(label, color, size) {
    return { label: label, stroke: color, fill: color, paths: function () { return null; }, points: { show: true, size: size, stroke: color, fill: color } };
  }

  function nearest(u) {
    var left = u.cursor.left, top = u.cursor.top;
    if (left === undefined || left === null || left < 0) return -1;
    var x = u.data[0], best = -1, bestD = 14 * 14;
    for (var i = 0; i < x.length; i++) {
      var y = u.data[1][i] !== null ? u.data[1][i] : u.data[2][i] !== null ? u.data[2][i] : u.data[3][i];
      var dx = u.valToPos(x[i], 'x') - left, dy = u.valToPos(y, 'y') - top;
      if (dx * dx + dy * dy < bestD) { bestD = dx * dx + dy * dy; best = i; }
    }
    return best;
  }

  var objective = new uPlot({
    width: widthOf(scatterEl, 960),
    height: 420,
    scales: { x: { time: false, range: [-2.05, 0.05] }, y: { range: [-1.05, 1.05] } },
    axes: [{ label: data.axes[0] }, { label: data.axes[1] }],
    legend: { live: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    series: [
      { label: 'f1' },
      pointsSeries('scored so far', COLORS.scored, 6),
      pointsSeries('population', COLORS.population, 8),
      pointsSeries('front of the population', COLORS.front, 10),
      { label: 'chosen (final)', stroke: COLORS.chosen, paths: function () { return null; }, points: { show: true, size: 16, width: 2, stroke: COLORS.chosen, fill: 'transparent' } },
    ],
    hooks: {
      setCursor: [function (u) {
        var i = nearest(u);
        if (i < 0) { hoverEl.textContent = '\u00a0'; return; }
        var a = archs[shown.order[i]];
        hoverEl.textContent = 'f = (' + fmt(u.data[0][i]) + ', ' + fmt(u.data[1][i] !== null ? u.data[1][i] : u.data[2][i] !== null ? u.data[2][i] : u.data[3][i]) + ')  ' +
          a.params.toLocaleString('en-US') + ' params, ' + fmtFlops(a.flops) + 'FLOPs, scored in generation ' + a.generation + (a.failed ? ' (failed)' : '') + '  ' + a.key;
      }],
    },
  }, shown.data, scatterEl);

  // A dashed line at the generation shown, on every chart over generations.
  var marker = {
    hooks: {
      draw: [function (u) {
        var ctx = u.ctx, x = Math.round(u.valToPos(current, 'x', true));
        ctx.save();
        ctx.strokeStyle = COLORS.front;
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      }],
    },
  };

  var gens = data.generations.map(function (g) { return g.generation; });
  function lineChart(id, title, series, max) {
    var el = document.getElementById(id);
    var u = new uPlot({
      title: title,
      width: widthOf(el, max),
      height: 200,
      plugins: [marker],
      scales: { x: { time: false, range: [0.5, G + 0.5] } },
      axes: [{ label: 'generation', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { size: 60, values: function (u, vals) { return vals.map(tick); } }],
      series: [{ label: 'generation' }].concat(series.map(function (s) {
        return { label: s.label, stroke: s.color, width: 2, points: { show: true, size: 6 }, value: function (u, v) { return v === null || v === undefined ? '\u2013' : fmt(v); } };
      })),
    }, [gens].concat(series.map(function (s) { return s.values; })), el);
    lineCharts.push({ el: el, max: max, plot: u });
    return u;
  }

  var hypervolume = lineChart('hypervolume-plot', 'hypervolume of the front (reference ' + data.reference.join(', ') + ')',
    [{ label: 'hypervolume', color: COLORS.front, values: data.generations.map(function (g) { return g.hypervolume; }) }], 960);
  var best = data.proxies.map(function (p, i) {
    return lineChart('best-plot-' + i, data.titles[p],
      [{ label: data.labels[p], color: ['#2f74d0', '#2b9348', '#7b2cbf'][i % 3], values: data.generations.map(function (g) { return g.best[p]; }) }], 320);
  });
  var times = lineChart('times-plot', 'time per generation (s)', [
    { label: 'wall', color: '#444444', values: data.generations.map(function (g) { return g.wallMs / 1000; }) },
    { label: 'scoring', color: '#2b9348', values: data.generations.map(function (g) { return g.scoringMs / 1000; }) },
  ], 960);

  var slider = document.getElementById('generation');
  var label = document.getElementById('generation-label');
  function describe(g) {
    var gen = data.generations[g - 1];
    return 'generation ' + g + ' of ' + G + (G < data.generationsPlanned ? ' (' + data.generationsPlanned + ' planned)' : '') + ': ' +
      gen.points.length + ' architectures scored so far (' + gen.scored + ' new, ' + gen.archiveHits + ' from the archive, ' + gen.failures + ' failed); population ' +
      gen.population.length + ', front ' + gen.front.length + ', hypervolume ' + fmt(gen.hypervolume) + '; ' + fmt(gen.wallMs / 1000) + ' s';
  }
  function show(g) {
    current = Math.max(1, Math.min(G, g));
    slider.value = String(current);
    label.textContent = describe(current);
    shown = scatterData(current);
    objective.setData(shown.data, false);
    lineCharts.forEach(function (c) { c.plot.redraw(false, false); });
  }
  slider.addEventListener('input', function () { show(Number(slider.value)); });
  var play = document.getElementById('play');
  var timer = null;
  play.addEventListener('click', function () {
    if (timer !== null) { clearInterval(timer); timer = null; play.textContent = 'play'; return; }
    if (current >= G) show(1);
    play.textContent = 'pause';
    timer = setInterval(function () {
      if (current >= G) { clearInterval(timer); timer = null; play.textContent = 'play'; return; }
      show(current + 1);
    }, 700);
  });
  window.addEventListener('resize', function () {
    objective.setSize({ width: widthOf(scatterEl, 960), height: 420 });
    lineCharts.forEach(function (c) { c.plot.setSize({ width: widthOf(c.el, c.max), height: 200 }); });
  });
  show(current);
  window.mednasReport = {
    data: data,
    plots: { objective: objective, hypervolume: hypervolume, best: best, times: times },
    generation: function () { return current; },
    show: show,
  };
})();
`;
