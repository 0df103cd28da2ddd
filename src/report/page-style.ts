// The report page's own style (uPlot's comes from its package): readable tables, plots in a
// column that stays under 1000 px, and print-friendly colours.
export const PAGE_STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2125; margin: 0; background: #fff; }
header, main, footer { max-width: 1000px; margin: 0 auto; padding: 0 16px; }
header { border-bottom: 1px solid #dde1e5; padding-top: 8px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #eef0f2; }
h3 { font-size: 14px; margin: 8px 0 4px; }
.note { color: #5b646d; }
.controls { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 8px 0; }
.controls input[type=range] { flex: 0 1 320px; }
#generation-label { font-variant-numeric: tabular-nums; }
.hover { font-family: ui-monospace, monospace; font-size: 12px; min-height: 1.4em; overflow-wrap: anywhere; }
.plot { margin: 8px 0; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eef0f2; vertical-align: top; }
table.pairs td:first-child { color: #5b646d; }
table.front code { font-size: 11px; overflow-wrap: anywhere; }
tr.chosen { background: #fff4e6; }
.failed { color: #b02a37; }
pre { font-size: 12px; background: #f6f8fa; padding: 8px; overflow-x: auto; }
img.picture { display: block; margin: 8px auto; max-width: min(100%, 560px); height: auto; border: 1px solid #eef0f2; }
footer { color: #5b646d; border-top: 1px solid #dde1e5; margin-top: 32px; padding-bottom: 16px; }
`;
