/* Charts (issue 16, item 2): every <figure data-chart> carries its numbers in a <script type="application/json">
   data block (templates/_charts.html); this file, served by the site, draws them with Apache ECharts (vendor/,
   from npm) under the Content-Security-Policy, which refuses inline script. The same numbers stay in the
   figure's table: visually hidden once the chart is drawn (screen readers still read it), shown again by the
   table button. Each chart can be saved as a PNG with the figure's download button, a real button that the
   keyboard reaches; ECharts' own toolbox icon is drawn inside the canvas, where no keyboard or screen reader
   can reach it, so it is left out wherever the button exists (kept only for a figure without one). */
"use strict";

(() => {
  const script = document.currentScript;
  const text = (name, fallback) => (script && script.dataset[name]) || fallback;
  // Bootstrap's palette, darkened where needed so that bars and lines have 3:1 against white.
  const COLORS = ["#0b5ed7", "#198754", "#b02a37", "#cc8a00", "#6f42c1", "#0a7c8c", "#6c757d", "#d63384"];

  function option(spec) {
    const kind = spec.kind || "bar";
    const base = {
      color: COLORS,
      animation: false,
      // 长者模式 (html.elder) draws larger labels too
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily,
                   fontSize: document.documentElement.classList.contains("elder") ? 16 : 12 },
      tooltip: { trigger: kind === "pie" ? "item" : "axis", confine: true },
    };
    if (!spec.saveButton) {
      base.toolbox = { right: 0, feature: { saveAsImage: { title: text("save", "Save as image"), name: spec.image || spec.id,
                                                           pixelRatio: 2, backgroundColor: "#fff" } } };
    }
    if (kind === "pie") {
      const series = spec.series[0] || { name: "", data: [] };
      const total = series.data.reduce((sum, n) => sum + (Number(n) || 0), 0);
      return Object.assign(base, {
        // nothing to share out: say so rather than draw equal slices of zero
        title: total ? undefined : { text: text("empty", "No data"), left: "center", top: "middle",
                                     textStyle: { fontSize: 14, fontWeight: "normal", color: "#495057" } },
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", name: series.name, radius: ["35%", "65%"], top: 10, bottom: 30, stillShowZeroSum: false,
                   label: { formatter: "{b}: {c}" },
                   // a slice of nothing has no angle, only a stray label: leave it to the table
                   data: spec.categories.map((label, i) => ({ name: label, value: series.data[i] }))
                     .filter((d) => Number(d.value) > 0) }],
      });
    }
    const horizontal = kind === "hbar";
    const categoryAxis = { type: "category", data: spec.categories, axisLabel: { interval: 0, hideOverlap: !horizontal } };
    const valueAxis = { type: "value", minInterval: 1 };
    return Object.assign(base, {
      legend: spec.series.length > 1 ? { top: 0, left: 0, type: "scroll" } : undefined,
      grid: { left: 8, right: 24, top: spec.series.length > 1 ? 36 : 28, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign(categoryAxis, { inverse: true }) : valueAxis,
      series: spec.series.map((s) => ({
        type: kind === "line" ? "line" : "bar", name: s.name, data: s.data, barMaxWidth: 36,
        label: { show: spec.series.length === 1 && kind !== "line", position: horizontal ? "right" : "top" },
        symbolSize: 7,
      })),
    });
  }

  function draw(figure) {
    const canvas = figure.querySelector("[data-chart-canvas]");
    const data = figure.querySelector("script[data-chart-data]");
    const table = figure.querySelector(".chart-table");
    if (!canvas || !data || !window.echarts) return;
    const spec = JSON.parse(data.textContent);
    const save = figure.querySelector("[data-chart-save]");
    spec.saveButton = Boolean(save);
    canvas.hidden = false;
    const chart = window.echarts.init(canvas, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    figure.chart = chart;
    figure.spec = spec;
    figure.dataset.chartReady = "1";
    table.classList.add("visually-hidden");
    const toggle = figure.querySelector("[data-chart-toggle]");
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", "false");
    toggle.addEventListener("click", () => {
      const shown = table.classList.toggle("visually-hidden") === false;
      toggle.setAttribute("aria-expanded", String(shown));
      toggle.textContent = shown ? text("hideTable", "Hide the data table") : text("showTable", "Show the data table");
    });
    if (!save) return;
    save.hidden = false;
    save.addEventListener("click", () => {
      const link = document.createElement("a");
      link.href = chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff",
                                     excludeComponents: ["toolbox"] });
      link.download = `${spec.image || spec.id}.png`;
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  const figures = Array.from(document.querySelectorAll("figure[data-chart]"));
  figures.forEach(draw);
  window.addEventListener("resize", () => figures.forEach((f) => f.chart && f.chart.resize()));
  document.addEventListener("elder-mode", () => figures.forEach((f) => {
    if (f.chart) { f.chart.setOption(option(f.spec), true); f.chart.resize(); }
  }));
})();
