/* The figures dashboard: ECharts line chart of the trend and bar chart of arrivals by country.
   The data come from json_script elements (no inline script: the CSP forbids it). */
(function () {
  "use strict";
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  var trend = data("trend-data");
  var trendEl = document.getElementById("trend-chart");
  if (trend && trendEl && window.echarts) {
    var chart = echarts.init(trendEl);
    chart.setOption({
      tooltip: {trigger: "axis"},
      legend: {type: "scroll", top: 0},
      grid: {left: 48, right: 16, top: 40, bottom: 32},
      xAxis: {type: "category", data: trend.dates.map(function (d) { return d.slice(5); })},
      yAxis: {type: "value", minInterval: 1},
      series: trend.series.map(function (s) { return {name: s.name, type: "line", data: s.data}; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var countries = data("country-data");
  var countryEl = document.getElementById("country-chart");
  if (countries && countryEl && window.echarts) {
    var bars = echarts.init(countryEl);
    bars.setOption({
      tooltip: {},
      grid: {left: 48, right: 16, top: 16, bottom: 32},
      xAxis: {type: "category", data: countries.map(function (c) { return c[0]; })},
      yAxis: {type: "value", minInterval: 1},
      series: [{type: "bar", data: countries.map(function (c) { return c[1]; })}]
    });
    window.addEventListener("resize", function () { bars.resize(); });
  }
}());
