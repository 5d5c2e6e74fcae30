// The view's styles: a few classes of its own on top of the console's PatternFly 5 look (its CSS variables).
export const css = `
.c429 { padding: 16px 24px; font-size: 14px; }
.c429 h2 { font-size: 18px; margin: 20px 0 8px; }
.c429 table { border-collapse: collapse; width: 100%; }
.c429 th, .c429 td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--pf-v5-global--BorderColor--100, #d2d2d2); }
.c429 th { font-weight: 600; white-space: nowrap; }
.c429 th button { font: inherit; background: none; border: none; padding: 0; cursor: pointer; text-decoration: underline dotted; }
.c429 .id { font-weight: 600; white-space: nowrap; }
.c429 .muted { color: var(--pf-v5-global--Color--200, #6a6e73); font-size: 12px; }
.c429 .mono { font-family: var(--pf-v5-global--FontFamily--monospace, monospace); font-size: 12px; }
.c429 .status { display: inline-block; padding: 1px 8px; border-radius: 12px; font-weight: 600; white-space: nowrap; color: #fff; }
.c429 .s-available { background: #3e8635; }
.c429 .s-cooling { background: #c58c00; }
.c429 .s-circuit-open, .c429 .s-open { background: #c9190b; }
.c429 .s-half_open { background: #ec7a08; }
.c429 .s-disabled { background: #6a6e73; }
.c429 .s-closed { background: #3e8635; }
.c429 .s-unknown { background: #6a6e73; }
.c429 .reason { display: inline-block; padding: 0 6px; border-radius: 4px; background: #f0f0f0; border: 1px solid #d2d2d2; font-family: monospace; font-size: 12px; }
.c429 .steps { display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; list-style: none; }
.c429 .step { border: 1px solid #d2d2d2; border-radius: 4px; padding: 2px 6px; font-size: 12px; }
.c429 .step.served { outline: 2px solid #06c; }
.c429 .toolbar { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.c429 .toolbar input { min-width: 260px; padding: 4px 8px; }
.c429 .summary { display: flex; gap: 16px; flex-wrap: wrap; padding: 8px 12px; background: #f5f5f5; border-left: 4px solid #06c; }
.c429 .summary.bad { border-left-color: #c9190b; }
.c429 .actions { display: flex; gap: 4px; flex-wrap: wrap; }
.c429 .actions button, .c429 .dialog button { font-size: 12px; padding: 2px 8px; border: 1px solid #06c; color: #06c; background: #fff; border-radius: 3px; cursor: pointer; }
.c429 .dialog { position: fixed; inset: 0; background: rgba(3, 3, 3, .45); display: flex; align-items: center; justify-content: center; z-index: 1000; }
.c429 .dialog > div { background: #fff; padding: 20px 24px; max-width: 480px; box-shadow: 0 4px 16px rgba(0,0,0,.3); }
.c429 .dialog .confirm { background: #06c; color: #fff; }
.c429 .problem { color: #c9190b; }
.c429 .attempts { margin: 0; padding-left: 16px; }
`
