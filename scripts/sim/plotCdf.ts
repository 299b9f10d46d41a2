import type { Scheme } from "./scenario";
import type { SimResult } from "./swarm";

const COLORS: Record<Scheme, string> = {
  bittorrent: "#555555",
  "fixed-price": "#1f77b4",
  auction: "#d62728",
  "auction-reserve-0": "#9467bd",
  "auction-no-optimistic": "#ff7f0e",
};
const W = 520;
const H = 340;
const M = { left: 56, right: 16, top: 34, bottom: 46 };

/**
 * Completion-time CDFs as one SVG: a panel per scenario, a colour per scheme, solid for payers
 * and dashed for non-payers. The y axis is the share of the class that finished by time x, so a
 * curve that stops below 1 had peers still downloading at the horizon.
 */
export function plotCdf(panels: { title: string; runs: SimResult[] }[]): string {
  const out: string[] = [];
  const legendH = 70;
  const width = W * panels.length;
  const height = H + legendH;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  );
  panels.forEach((panel, i) => {
    const x0 = i * W;
    const all = panel.runs.flatMap((r) => [...r.payerTimes, ...r.nonPayerTimes]).sort((a, b) => a - b);
    const xMaxMin = niceCeil((all[Math.floor(all.length * 0.99)] ?? 60) / 60);
    const px = (minutes: number) => x0 + M.left + (Math.min(minutes, xMaxMin) / xMaxMin) * (W - M.left - M.right);
    const py = (fraction: number) => M.top + (1 - fraction) * (H - M.top - M.bottom);
    out.push(`<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${panel.title}</text>`);
    for (let k = 0; k <= 5; k++) {
      const f = k / 5;
      out.push(
        `<line x1="${px(0)}" x2="${px(xMaxMin)}" y1="${py(f)}" y2="${py(f)}" stroke="#eee"/>`,
        `<text x="${px(0) - 6}" y="${py(f) + 4}" text-anchor="end">${f.toFixed(1)}</text>`,
      );
      const m = (xMaxMin * k) / 5;
      out.push(`<text x="${px(m)}" y="${H - M.bottom + 16}" text-anchor="middle">${Math.round(m)}</text>`);
    }
    out.push(
      `<rect x="${px(0)}" y="${py(1)}" width="${px(xMaxMin) - px(0)}" height="${py(0) - py(1)}" fill="none" stroke="#999"/>`,
      `<text x="${x0 + W / 2}" y="${H - 8}" text-anchor="middle">download time (minutes)</text>`,
      `<text transform="translate(${x0 + 14} ${H / 2}) rotate(-90)" text-anchor="middle">share finished</text>`,
    );
    for (const run of panel.runs) {
      for (const [times, total, dash] of [
        [run.payerTimes, run.payerTimes.length + run.unfinishedPayers, ""],
        [run.nonPayerTimes, run.nonPayerTimes.length + run.unfinishedNonPayers, ` stroke-dasharray="5 3"`],
      ] as const) {
        if (total === 0) continue;
        const sorted = [...times].sort((a, b) => a - b);
        const points = [`${px(0).toFixed(1)},${py(0).toFixed(1)}`];
        sorted.forEach((t, j) => {
          points.push(
            `${px(t / 60).toFixed(1)},${py(j / total).toFixed(1)}`,
            `${px(t / 60).toFixed(1)},${py((j + 1) / total).toFixed(1)}`,
          );
        });
        points.push(`${px(xMaxMin).toFixed(1)},${py(sorted.length / total).toFixed(1)}`);
        out.push(
          `<polyline fill="none" stroke="${COLORS[run.scheme]}" stroke-width="1.6"${dash} points="${points.join(" ")}"/>`,
        );
      }
    }
  });
  const schemes = panels[0]?.runs.map((r) => r.scheme) ?? [];
  schemes.forEach((scheme, i) => {
    const x = 20 + (i % 3) * 190 + Math.floor(i / 3) * 570;
    const y = H + 20;
    out.push(
      `<line x1="${x}" x2="${x + 28}" y1="${y}" y2="${y}" stroke="${COLORS[scheme]}" stroke-width="2"/>`,
      `<text x="${x + 34}" y="${y + 4}">${scheme}</text>`,
    );
  });
  out.push(
    `<line x1="20" x2="48" y1="${H + 48}" y2="${H + 48}" stroke="#000" stroke-width="1.6"/><text x="54" y="${H + 52}">payers</text>`,
    `<line x1="130" x2="158" y1="${H + 48}" y2="${H + 48}" stroke="#000" stroke-width="1.6" stroke-dasharray="5 3"/><text x="164" y="${H + 52}">non-payers</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}

/** 1, 2 or 5 times a power of ten, at or above x. */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(x, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
