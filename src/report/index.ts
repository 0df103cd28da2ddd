// The search report page (mednas report): one self-contained HTML file from a checkpoint.
export { renderSearchReport, REPORT_DATA_ELEMENT, type SearchReportOptions } from './render.ts';
export { reportData, proxyLabel, REPORT_DATA_FORMAT, REPORT_DATA_VERSION, type ReportData, type ReportGeneration, type ReportArchitecture } from './data.ts';
export { escapeHtml, jsonForScript, svgDataUrl } from './html.ts';
export { renderCorrelatePage, scatterSvg, type CorrelatePageTable } from './correlate-page.ts';
