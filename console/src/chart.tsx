import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const COLOURS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2", "#64748b"];

export interface Series {
  label: string;
  values: number[];
}

/** A stacked bar chart (one bar per day, one colour per series), redrawn when its data changes. */
export function StackedBars(props: { labels: string[]; series: Series[]; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<"bar"> | undefined>(undefined);
  useEffect(() => {
    if (canvas.current === null) return undefined;
    chart.current = new Chart(canvas.current, {
      type: "bar",
      data: { labels: [], datasets: [] },
      options: {
        // No animation: the chart is final as soon as it is drawn (screenshots, tests, slow machines).
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, ticks: { callback: (value) => `$${Number(value).toPrecision(2)}` } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => {
    const current = chart.current;
    if (current === undefined) return;
    current.data.labels = props.labels;
    current.data.datasets = props.series.map(
      (series, index): ChartDataset<"bar"> => ({
        label: series.label,
        data: series.values,
        backgroundColor: COLOURS[index % COLOURS.length] ?? "#64748b",
      }),
    );
    current.update();
  }, [props.labels, props.series]);
  return (
    <figure class="chart" data-testid="usage-chart" data-series={props.series.length}>
      <figcaption>{props.title}</figcaption>
      <div class="canvas-box">
        <canvas ref={canvas} role="img" aria-label={props.title} />
      </div>
    </figure>
  );
}
