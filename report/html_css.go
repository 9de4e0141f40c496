package report

import "sort"

// htmlCSS styles the HTML report. System fonts only, so the page stays
// self-contained; chart colours live here as classes s0..s5, so each SVG
// element names a class instead of repeating a colour. The print rules
// keep charts whole on a page and drop hover highlights.
const htmlCSS = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;
--c0:#2563eb;--c1:#16a34a;--c2:#ea8c00;--c3:#dc2626;--c4:#7c3aed;--c5:#6b7280}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
.sub{margin:2px 0;color:var(--muted)}
.badge{display:inline-block;font-size:12px;font-weight:600;padding:1px 8px;border-radius:10px;vertical-align:middle;border:1px solid}
.badge.ok{color:#116329;background:#dafbe1;border-color:#aceebb}
.badge.bad{color:#a40e26;background:#ffebe9;border-color:#ffcecb}
.badge.warn{color:#7d4e00;background:#fff8c5;border-color:#eed888}
.badge.neutral{color:var(--muted);background:var(--soft);border-color:var(--line)}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px;margin:14px 0 4px}
.cards div{border:1px solid var(--line);border-radius:6px;padding:6px 10px;background:var(--soft)}
.cards small{display:block;color:var(--muted);font-size:12px}
.cards b{font-size:14px}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{padding:3px 10px 3px 0;text-align:left;vertical-align:top}
thead th{font-size:12px;color:var(--muted);border-bottom:1px solid var(--line)}
td.num,th.num{text-align:right;padding-left:14px;font-variant-numeric:tabular-nums}
td.sub{padding-left:14px;color:var(--muted)}
table.defs th{font-weight:600;white-space:nowrap;color:var(--muted);padding-right:16px}
table.lat tbody tr:nth-child(odd){background:var(--soft)}
.warnings ul{margin:0;padding:8px 12px 8px 28px;background:#fff8c5;border:1px solid #eed888;border-radius:6px}
.note{color:var(--muted);font-style:italic;margin:4px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:4px 24px}
figure.chart{margin:10px 0 14px;break-inside:avoid;page-break-inside:avoid}
figcaption{margin-bottom:2px}
figcaption .desc{color:var(--muted);font-size:12.5px}
.legend{font-size:12.5px;color:var(--fg);display:flex;flex-wrap:wrap;gap:2px 16px}
.legend small{color:var(--muted)}
.key{display:inline-block;width:18px;height:0;border-top:3px solid;vertical-align:middle;margin-right:5px}
.key.dash{border-top-style:dashed}
svg{display:block;width:100%;height:auto;overflow:visible}
svg text{font-size:11px;fill:var(--muted)}
.yl{text-anchor:end}.xl{text-anchor:middle}.xt{text-anchor:end;font-style:italic}.yt{font-style:italic}
.gl path{stroke:#eaeef2;stroke-width:1}
.axis{fill:none;stroke:#8c959f;stroke-width:1}
.line{fill:none;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}
.line.dash{stroke-dasharray:5 4;stroke-width:1.4}
.bar{fill:none;stroke-opacity:.85}
.s0{stroke:var(--c0);color:var(--c0);fill:var(--c0)}.s1{stroke:var(--c1);color:var(--c1)}.s2{stroke:var(--c2);color:var(--c2)}
.s3{stroke:var(--c3);color:var(--c3)}.s4{stroke:var(--c4);color:var(--c4)}.s5{stroke:var(--c5);color:var(--c5)}
.line.s0,.bar.s0{fill:none}
rect.mark{fill-opacity:.75;stroke:none}
rect.mark.s3{fill:var(--c3)}
.key.s0,.key.s1,.key.s2,.key.s3,.key.s4,.key.s5{border-color:currentColor}
.marker{fill:var(--c3);fill-opacity:.09;stroke:var(--c3);stroke-opacity:.35;stroke-dasharray:2 3}
.marker:hover{fill-opacity:.18}
.hov .pt{fill:transparent}
.hov rect.pt:hover{fill:rgba(31,35,40,.07)}
.hov circle.pt:hover{fill:var(--c0);fill-opacity:.5}
g.pt:hover .hrow{fill:var(--soft)}
.hrow{fill:transparent}
.hl{font-size:12px;fill:var(--fg);font-weight:600}.hm{font-size:10.5px}.hv{font-size:12px;fill:var(--fg)}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media (max-width:700px){main{padding:12px}.grid{grid-template-columns:1fr}}
@media print{
@page{size:A4;margin:12mm}
body{font-size:10pt}
main{max-width:none;padding:0}
h2{break-after:avoid;page-break-after:avoid}
section{break-inside:auto}
.grid{grid-template-columns:1fr 1fr}
.hov{display:none}
.cards div,.badge,.warnings ul{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`

// sortedKeys returns m's keys in order, so maps never make the page
// differ from one rendering to the next.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
