// zhifa cockpit: draws the ECharts charts of a page. Each chart is an element with
// data-chart="planets|lines|bars" and data-source naming a <script type="application/json">
// (Django's json_script) that holds its data. ECharts is served from static/vendor.
(function () {
  "use strict";
  var PALETTE = ["#2e6eb4", "#c8503c", "#2f9e6e", "#d49a1f", "#7a4fb3"];

  function data(el) {
    var source = document.getElementById(el.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function planets(d) {
    var colours = d.points.map(function (p) { return p.color; }).filter(function (v) { return v !== null; });
    var low = colours.length ? Math.min.apply(null, colours) : 0;
    var high = colours.length ? Math.max.apply(null, colours) : 1;
    var biggest = Math.max.apply(null, d.points.map(function (p) { return p.size; }).concat([1]));
    var good = d.higher_is_better === false ? ["#2f9e6e", "#f2c14e", "#c8503c"] : ["#c8503c", "#f2c14e", "#2f9e6e"];
    return {
      tooltip: {
        formatter: function (p) {
          var v = p.data.value;
          return p.data.name + "<br>" + d.x_name + "：" + v[0] + "<br>" + d.y_name + "：" + v[1] +
            "<br>" + d.indicator + "：" + (v[3] === null ? "—" : v[3]) + (d.unit || "");
        }
      },
      grid: { left: 48, right: 24, top: 24, bottom: 96 },
      xAxis: { name: d.x_name, nameLocation: "middle", nameGap: 28, type: "value", scale: true },
      yAxis: { name: d.y_name, type: "value", scale: true },
      visualMap: {
        dimension: 3, min: low, max: high === low ? low + 1 : high, calculable: true,
        orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, text: [String(high), String(low)],
        inRange: { color: high === low && !colours.length ? ["#9aa5b1"] : good },
        outOfRange: { color: "#9aa5b1" }
      },
      series: [{
        type: "scatter",
        data: d.points.map(function (p) {
          return { name: p.name, url: p.url, value: [p.x, p.y, p.size, p.color] };
        }),
        symbolSize: function (v) { return 10 + 40 * Math.sqrt(v[2] / biggest); },
        itemStyle: { opacity: 0.85, borderColor: "#fff", borderWidth: 1 },
        label: { show: d.points.length <= 20, position: "top", formatter: "{b}", fontSize: 10 }
      }]
    };
  }

  function lines(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: d.categories },
      yAxis: { type: "value" },
      series: d.series.map(function (s) { return { type: "line", name: s.name, data: s.data }; })
    };
  }

  function bars(d) {
    return {
      color: PALETTE,
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 36, bottom: 64 },
      xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: d.categories.length > 5 ? 30 : 0 } },
      yAxis: { type: "value" },
      series: d.series.map(function (s) { return { type: "bar", name: s.name, data: s.data }; })
    };
  }

  var BUILD = { planets: planets, lines: lines, bars: bars };

  function draw() {
    if (typeof echarts === "undefined") { return; }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el);
      var build = BUILD[el.dataset.chart];
      if (!d || !build) { return; }
      var chart = echarts.init(el);
      chart.setOption(build(d));
      if (el.dataset.chart === "planets") {
        chart.on("click", function (p) { if (p.data && p.data.url) { window.location.href = p.data.url; } });
      }
      el.dataset.ready = "1";
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
