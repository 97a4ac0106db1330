/* The dashboard's bar chart of released payouts per run date.
 *
 * The figures come from the page (json_script "payout-chart-data": labels, datasets of amounts in
 * kroner as strings, currency, locale); no text is made here. The same figures are in the table under
 * the chart, and the canvas carries a summary as its aria-label, so nothing depends on this script.
 */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("payout-chart-data");
    var canvas = document.getElementById("payout-chart");
    if (!source || !canvas || !window.Chart) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var money = new Intl.NumberFormat(data.locale, { style: "currency", currency: data.currency });
    var colours = ["#0059b3", "#b0233f"]; // DKFDS primary blue and a red with 4.5:1 contrast on white
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {
            label: set.label,
            data: set.data.map(Number),
            backgroundColor: colours[i % colours.length],
          };
        }),
      },
      options: {
        responsive: true,
        animation: false,
        locale: data.locale,
        scales: {
          y: { beginAtZero: true, ticks: { callback: function (value) { return money.format(value); } } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + money.format(item.parsed.y);
              },
            },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
