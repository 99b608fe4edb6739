import type { EncodeRow } from './encode.ts';

/** An SVG line chart of encode throughput (MP/s) against image size (MP), one line per format. */
export function throughputChart(rows: EncodeRow[]): string {
  const width = 640;
  const height = 360;
  const pad = { left: 56, right: 120, top: 24, bottom: 44 };
  const maxX = Math.max(...rows.map((r) => r.megapixels)) * 1.05;
  const maxY = Math.max(...rows.map((r) => r.mpPerSecond)) * 1.15;
  const x = (mp: number) => pad.left + (mp / maxX) * (width - pad.left - pad.right);
  const y = (rate: number) => height - pad.bottom - (rate / maxY) * (height - pad.top - pad.bottom);
  const colours: Record<string, string> = { jpeg: '#1f77b4', 'png level 1': '#d62728', 'png level 6': '#ff7f0e' };
  const lines = Object.entries(colours).map(([format, colour]) => {
    const points = rows.filter((r) => r.format === format).sort((a, b) => a.megapixels - b.megapixels);
    const path = points.map((p) => `${x(p.megapixels).toFixed(1)},${y(p.mpPerSecond).toFixed(1)}`).join(' ');
    const dots = points.map((p) => `<circle cx="${x(p.megapixels).toFixed(1)}" cy="${y(p.mpPerSecond).toFixed(1)}" r="3" fill="${colour}"/>`).join('');
    const last = points.at(-1);
    const label = last ? `<text x="${(x(last.megapixels) + 8).toFixed(1)}" y="${y(last.mpPerSecond).toFixed(1)}" fill="${colour}">${format}</text>` : '';
    return `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${path}"/>${dots}${label}`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const rate = maxY * f;
    return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(rate)}" y2="${y(rate)}" stroke="#eee"/><text x="${pad.left - 6}" y="${y(rate) + 4}" text-anchor="end">${rate.toFixed(0)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${ticks.join('\n')}
<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#333"/>
<text x="${(width - pad.right + pad.left) / 2}" y="${height - 10}" text-anchor="middle">image size (megapixels)</text>
<text x="14" y="${height / 2}" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">encode throughput (MP/s)</text>
${rows.map((r) => `<text x="${x(r.megapixels)}" y="${height - pad.bottom + 16}" text-anchor="middle">${r.megapixels}</text>`).filter((t, i, a) => a.indexOf(t) === i).join('')}
${lines.join('\n')}
</svg>
`;
}
