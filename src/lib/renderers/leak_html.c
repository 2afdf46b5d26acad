/* report.html: one self-contained page (no network): the verdict, the
 * suspects with stacks and evidence, charts on one shared time axis drawn
 * with uPlot (embedded at build time from npm, see CMakeLists.txt), and a
 * diff flame graph of heap growth (last snapshot against the first).
 *
 * The page's data is one JSON object in a <script type="application/json">;
 * the page script turns it into charts. When every chart is drawn the body
 * gets data-charts="N"; a script error is shown on the page and recorded in
 * body's data-errors (the headless-browser test reads both). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gmd/flame.h"
#include "gmd/json.h"
#include "gmd/leak_report.h"
#include "gmd/markup.h"
#include "gmd/stacks.h"
#include "gmd/units.h"

extern const unsigned char gmd_uplot_js[], gmd_uplot_css[], gmd_uplot_license[];
extern const unsigned long gmd_uplot_js_len, gmd_uplot_css_len, gmd_uplot_license_len;

static void series(gmd_json *j, const char *key, uint32_t n, const double *t, const double *v)
{
    gmd_json_key(j, key);
    gmd_json_object_begin(j);
    gmd_json_key(j, "t");
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < n; i++) gmd_json_double(j, t[i]);
    gmd_json_array_end(j);
    gmd_json_key(j, "v");
    gmd_json_array_begin(j);
    for (uint32_t i = 0; i < n; i++) gmd_json_double(j, v ? v[i] : 0);
    gmd_json_array_end(j);
    gmd_json_object_end(j);
}

static void trend_series(gmd_json *j, const char *key, const gmd_leak_trend *t)
{
    series(j, key, t->have ? t->n : 0, t->t, t->v);
}

/* The chart data as JSON, with '<' escaped so no "</script>" can end the block. */
static void write_data(FILE *out, const gmd_leak_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return;
    gmd_json j;
    gmd_json_init(&j, m, false);
    gmd_json_object_begin(&j);
    gmd_json_key(&j, "duration");
    gmd_json_double(&j, r->duration);
    series(&j, "heap_snapshots", r->nheap, r->heap_times, NULL);
    series(&j, "goroutine_snapshots", r->ngoroutine, r->goroutine_times, NULL);
    trend_series(&j, "live", &r->live_heap);
    trend_series(&j, "inuse", &r->heap_inuse);
    trend_series(&j, "rss", &r->rss);
    trend_series(&j, "goroutines", &r->goroutines);
    series(&j, "pauses", r->gc_pause_ms.n, r->gc_pause_ms.t, r->gc_pause_ms.v);
    /* Execution traces: their windows (shaded on every chart) and what
     * they measured inside them, on the same run clock. */
    gmd_json_key(&j, "trace_windows");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->ntraces; i++) {
        gmd_json_array_begin(&j);
        gmd_json_double(&j, r->traces[i].t);
        gmd_json_double(&j, r->traces[i].t_end);
        gmd_json_array_end(&j);
    }
    gmd_json_array_end(&j);
    series(&j, "trace_running", r->trace_running.n, r->trace_running.t, r->trace_running.v);
    series(&j, "trace_runnable", r->trace_runnable.n, r->trace_runnable.t, r->trace_runnable.v);
    series(&j, "trace_waiting", r->trace_waiting.n, r->trace_waiting.t, r->trace_waiting.v);
    series(&j, "trace_syscall", r->trace_syscall.n, r->trace_syscall.t, r->trace_syscall.v);
    series(&j, "trace_heap", r->trace_heap.n, r->trace_heap.t, r->trace_heap.v);
    series(&j, "trace_goal", r->trace_goal.n, r->trace_goal.t, r->trace_goal.v);
    gmd_json_key(&j, "suspects");
    gmd_json_array_begin(&j);
    for (uint32_t i = 0; i < r->nsuspects && i < 5; i++) {
        const gmd_leak_suspect *s = &r->suspects[i];
        gmd_json_object_begin(&j);
        gmd_json_key(&j, "site");
        gmd_json_string(&j, s->site);
        gmd_json_key(&j, "unit");
        gmd_json_string(&j, s->unit);
        series(&j, "series", s->series.n, s->series.t, s->series.v);
        gmd_json_object_end(&j);
    }
    gmd_json_array_end(&j);
    gmd_json_object_end(&j);
    fclose(m);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '<') fputs("\\u003c", out);
        else fputc(buf[i], out);
    }
    free(buf);
}

/* The diff flame graph as an iframe's srcdoc (its script and styles stay
 * apart from the page's). */
static void write_flame(FILE *out, const gmd_leak_result *r)
{
    const gmd_profile *base_heap = r->base_heap ? r->base_heap : r->first_heap;
    if (!base_heap || !r->last_heap) {
        fputs("<p class=dim>Needs at least two heap profiles (pass --pprof).</p>\n", out);
        return;
    }
    gmd_select_opts so;
    memset(&so, 0, sizeof so);
    so.sample_index = "inuse_space";
    gmd_stackset base, cur;
    gmd_err err;
    gmd_err_clear(&err);
    if (gmd_stackset_build(base_heap, &so, &base, &err) < 0) return;
    if (gmd_stackset_build(r->last_heap, &so, &cur, &err) < 0) {
        gmd_stackset_free(&base);
        return;
    }
    char *svg = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&svg, &len);
    char title[160];
    snprintf(title, sizeof title, "Heap in use: last snapshot, coloured by change since the snapshot at %.1f s", r->base_time);
    gmd_flame_opts fo = {.title = title, .width = 1200};
    int rc = m ? gmd_flame_write_svg(m, &cur, &base, &fo, &err) : -1;
    if (m) fclose(m);
    if (rc == 0 && len > 0) {
        fputs("<iframe class=flame title=\"diff flame graph\" onload=\"try{this.style.height=Math.ceil(this.contentDocument."
              "querySelector('svg').getBoundingClientRect().height+4)+'px'}catch(e){}\" srcdoc=\"<!doctype html><style>svg{width:100%;"
              "height:auto}</style><body style='margin:0'>", out);
        gmd_put_xml_str(out, svg);
        fputs("</body>\"></iframe>\n", out);
    } else {
        char buf[600];
        fputs("<p class=dim>No flame graph: ", out);
        gmd_put_xml_str(out, gmd_err_str(&err, buf, sizeof buf));
        fputs("</p>\n", out);
    }
    free(svg);
    gmd_stackset_free(&base);
    gmd_stackset_free(&cur);
}

static const char page_css[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1240px;padding:0 16px;color:#222}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}"
    ".leak{color:#b00020}.ok{color:#1b7f3b}.dim{color:#777}"
    "table{border-collapse:collapse;width:100%}td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}"
    "th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f8f8f8;padding:6px 8px;margin:4px 0}"
    "ul.ev{margin:4px 0 8px 18px;padding:0}.chart{margin:6px 0 14px}.chart h3{font-size:14px;margin:0 0 2px}"
    "iframe.flame{width:100%;height:560px;border:1px solid #ddd}#errors{color:#b00020;white-space:pre-wrap}"
    "pre{white-space:pre-wrap;word-break:break-all}td{overflow-wrap:anywhere}td.kind{white-space:nowrap}.inconclusive{color:#a15c00}"
    "@media (max-width:1000px){body{margin:12px auto;padding:0 8px}td,th{padding:3px 4px}}";

static const char page_js[] =
    "(function(){\n"
    "var D=JSON.parse(document.getElementById('gmd-data').textContent);\n"
    "function bytes(v){if(v==null)return'';var a=Math.abs(v),u=['B','KiB','MiB','GiB','TiB'],i=0;"
    "while(a>=1024&&i<u.length-1){a/=1024;v/=1024;i++}return (Math.abs(v)>=100||i==0?v.toFixed(0):v.toFixed(1))+' '+u[i]}\n"
    "function num(v){return v==null?'':String(Math.round(v*100)/100)}\n"
    "var marks=D.heap_snapshots.t.length?D.heap_snapshots.t:D.goroutine_snapshots.t;\n"
    "var tw=D.trace_windows;\n"
    "var xmax=Math.max(D.duration,marks.length?marks[marks.length-1]:0,tw.length?tw[tw.length-1][1]:0,1);\n"
    /* Snapshot moments: dashed vertical lines drawn under the series. */
    "function snapPlugin(){return{hooks:{drawClear:[function(u){var c=u.ctx;c.save();c.strokeStyle='rgba(0,0,0,0.18)';"
    "c.setLineDash([3,3]);c.lineWidth=1;for(var i=0;i<marks.length;i++){var x=Math.round(u.valToPos(marks[i],'x',true));"
    "c.beginPath();c.moveTo(x,u.bbox.top);c.lineTo(x,u.bbox.top+u.bbox.height);c.stroke()}"
    /* Trace windows: shaded bands. */
    "c.fillStyle='rgba(255,160,0,0.13)';for(var k=0;k<tw.length;k++){var x0=u.valToPos(tw[k][0],'x',true),"
    "x1=u.valToPos(tw[k][1],'x',true);c.fillRect(x0,u.bbox.top,Math.max(x1-x0,1),u.bbox.height)}c.restore()}]}}}\n"
    /* A trace series breaks between windows (a null point between them). */
    "function win(x){for(var k=0;k<tw.length;k++)if(x<=tw[k][1]+1e-6)return k;return tw.length}\n"
    /* Every trace series puts its nulls at the same two times per break (just
     * after a window, just before the next), so in the joined table no other
     * series' point falls inside the gap and uPlot leaves all of it empty. */
    "function gapped(label,s){var t=[],v=[];for(var i=0;i<s.t.length;i++){var a=i?win(s.t[i-1]):-1,b=win(s.t[i]);"
    "if(i&&a!=b&&a<tw.length&&b<tw.length){var x0=tw[a][1],x1=tw[b][0],e=Math.min(1e-3,(x1-x0)/4);"
    "if(e>0){t.push(x0+e,x1-e);v.push(null,null)}}t.push(s.t[i]);v.push(s.v[i])}return{label:label,t:t,v:v,gaps:true}}\n"
    "var colors=['#d62728','#1f77b4','#2ca02c','#ff7f0e','#9467bd','#8c564b','#e377c2'];\n"
    "var made=0,box=document.getElementById('charts');\n"
    "function chart(title,lines,fmt,opts){lines=lines.filter(function(l){return l.t.length>0});if(!lines.length)return;\n"
    "var data=uPlot.join(lines.map(function(l){return [l.t,l.v]}));\n"
    "var div=document.createElement('div');div.className='chart';var h=document.createElement('h3');h.textContent=title;"
    "div.appendChild(h);box.appendChild(div);\n"
    "var series=[{label:'t (s)',value:function(u,v){return v==null?'':v.toFixed(2)+' s'}}];\n"
    "lines.forEach(function(l,i){var s={label:l.label,stroke:colors[i%colors.length],width:1.5,spanGaps:!l.gaps,"
    "value:function(u,v){return fmt(v)}};if(l.points){s.width=0;s.points={show:true,size:5,fill:colors[i%colors.length]}}"
    "if(l.step)s.paths=uPlot.paths.stepped({align:1});if(l.scale)s.scale=l.scale;series.push(s)});\n"
    "var w=Math.max(400,box.clientWidth||1100);\n"
    "var yr={range:function(u,lo,hi){return[Math.min(0,lo),hi>0?hi*1.05:1]}};var sc={x:{time:false,range:function(){return[0,xmax]}},y:yr};"
    "var ax=[{label:'seconds since start'},{size:70,values:function(u,vals){return vals.map(fmt)}}];\n"
    /* RSS on its own scale (right axis): it is often many times the heap. */
    "if(lines.some(function(l){return l.scale})){sc.rss=yr;ax.push({scale:'rss',side:1,size:70,stroke:colors[1],"
    "grid:{show:false},values:function(u,vals){return vals.map(fmt)}})}\n"
    "new uPlot({width:w,height:200,cursor:{sync:{key:'gmd'}},plugins:[snapPlugin()],"
    "scales:sc,axes:ax,series:series},data,div);made++}\n"
    "var mem=[];\n"
    "if(D.live.t.length)mem.push({label:'live heap after GC',t:D.live.t,v:D.live.v,step:true});\n"
    "if(D.rss.t.length)mem.push({label:'RSS (right axis)',t:D.rss.t,v:D.rss.v,scale:'rss'});\n"
    "if(D.inuse.t.length)mem.push({label:'heap in use (profiles)',t:D.inuse.t,v:D.inuse.v});\n"
    "chart('Memory: Go heap (left axis) and RSS (right axis)',mem,bytes);\n"
    "var hs=D.suspects.filter(function(s){return s.unit=='bytes'});\n"
    "chart('In-use bytes of the heap suspects',hs.map(function(s){return{label:s.site,t:s.series.t,v:s.series.v}}),bytes);\n"
    "var gl=[];if(D.goroutines.t.length)gl.push({label:'all goroutines',t:D.goroutines.t,v:D.goroutines.v});\n"
    "D.suspects.filter(function(s){return s.unit!='bytes'}).forEach(function(s){gl.push({label:s.site,t:s.series.t,v:s.series.v})});\n"
    "chart('Goroutines',gl,num);\n"
    "chart('GC stop-the-world pauses (ms)',[{label:'pause',t:D.pauses.t,v:D.pauses.v,points:true}],num);\n"
    "chart('Goroutines by state, from the execution traces (shaded windows)',[gapped('running',D.trace_running),"
    "gapped('runnable',D.trace_runnable),gapped('waiting',D.trace_waiting),gapped('in syscall',D.trace_syscall)],num);\n"
    "chart('Heap from the execution traces: live and goal',[gapped('heap live',D.trace_heap),"
    "(function(l){l.step=true;return l})(gapped('heap goal',D.trace_goal))],bytes);\n"
    "document.body.setAttribute('data-charts',String(made));\n"
    "})();\n";

int gmd_leak_write_html(FILE *out, const gmd_leak_result *r, const gmd_leak_report_info *info, gmd_err *err)
{
    (void)err;
    char a[64], b[64];
    const gmd_leak_suspect *top = r->nsuspects ? &r->suspects[0] : NULL;
    char verdict[600];
    if (top)
        snprintf(verdict, sizeof verdict, "Leak: %s %s grows %s%s/s",
                 top->kind == GMD_LEAK_HEAP ? (strcmp(top->site, "(unresolved)") ? "heap allocated in" : "heap growth")
                 : top->kind == GMD_LEAK_GOROUTINE ? "goroutines blocked in" : "off-heap memory:",
                 top->site, top->kind != GMD_LEAK_GOROUTINE ? gmd_fmt_bytes_iec(top->growth_per_sec, a, sizeof a) : "",
                 top->kind != GMD_LEAK_GOROUTINE ? "" : (snprintf(b, sizeof b, "%.1f goroutines", top->growth_per_sec), b));
    else if (r->verdict == GMD_VERDICT_INCONCLUSIVE)
        snprintf(verdict, sizeof verdict, "Inconclusive: %s", r->verdict_reason);
    else if (r->verdict_reason && r->verdict_reason[0])
        snprintf(verdict, sizeof verdict, "No leak found: %s", r->verdict_reason);
    else
        snprintf(verdict, sizeof verdict, "No leak found");

    fputs("<!doctype html>\n<html lang=en><head><meta charset=utf-8>\n<title>gmd: ", out);
    gmd_put_xml_str(out, verdict);
    fputs("</title>\n<style>", out);
    fwrite(gmd_uplot_css, 1, gmd_uplot_css_len, out);
    fputs("\n", out);
    fputs(page_css, out);
    fputs("</style>\n<!-- uPlot, embedded: ", out);
    /* Its licence travels with it ("--" cannot occur in the MIT text). */
    fwrite(gmd_uplot_license, 1, gmd_uplot_license_len, out);
    fputs(" -->\n<script>", out);
    fwrite(gmd_uplot_js, 1, gmd_uplot_js_len, out);
    fputs("</script>\n</head>\n<body>\n", out);
    fputs("<script>window.addEventListener('error',function(e){var b=document.body;"
          "b.setAttribute('data-errors',(b.getAttribute('data-errors')||'')+e.message+';');"
          "var d=document.getElementById('errors');if(d)d.textContent+='Script error: '+e.message+'\\n'});</script>\n", out);
    fprintf(out, "<h1 class=%s>", r->leak ? "leak" : r->verdict == GMD_VERDICT_INCONCLUSIVE ? "inconclusive" : "ok");
    gmd_put_xml_str(out, verdict);
    fputs("</h1>\n<p class=dim>", out);
    if (info && info->command && info->command[0]) {
        fputs("<code>", out);
        gmd_put_xml_str(out, info->command);
        fputs("</code> &middot; ", out);
    }
    fprintf(out, "%.1f s observed &middot; %u heap and %u goroutine snapshots &middot; %u GC cycles &middot; %u /proc samples",
            r->duration, r->nheap, r->ngoroutine, r->ngc, r->nproc);
    if (info && info->bundle) {
        fputs(" &middot; bundle <code>", out);
        gmd_put_xml_str(out, info->bundle);
        fputs("</code>", out);
    }
    fputs("</p>\n", out);
    if (info && info->incomplete) {
        fputs("<p class=leak><b>Incomplete bundle:</b> ", out);
        gmd_put_xml_str(out, info->incomplete);
        fputs("; the verdict uses what was saved before.</p>\n", out);
    }
    fputs("<div id=errors></div>\n", out);

    /* The charts first: they show at a glance what the verdict says. */
    fprintf(out, "<h2>Over time</h2>\n<p class=dim>One time axis for all charts (hover one, all follow); dashed lines mark "
            "the snapshots (heap profiles)%s.</p>\n<div id=charts></div>\n",
            r->ntraces ? "; shaded bands the execution traces' windows. A trace counts a goroutine from when it first "
                         "sees it: one that only waits is listed when the trace's first generation ends (about a "
                         "second in), so the traces' goroutine counts are complete from there on" : "");

    fputs("<h2>Suspects</h2>\n", out);
    if (!r->nsuspects) {
        fputs("<p>No allocation site, goroutine stack or off-heap memory grew steadily beyond sampling noise to the "
              "end.</p>\n", out);
    } else {
        fputs("<table><tr><th>#</th><th>kind</th><th>site, stack (leaf first) and evidence</th><th>growth</th><th>now</th>"
              "<th>score</th><th>confidence</th></tr>\n", out);
        for (uint32_t i = 0; i < r->nsuspects; i++) {
            const gmd_leak_suspect *s = &r->suspects[i];
            bool heap = s->kind != GMD_LEAK_GOROUTINE;
            fprintf(out, "<tr><td>%u</td><td class=kind>%s</td><td><b><code>", i + 1, gmd_leak_kind_name(s->kind));
            gmd_put_xml_str(out, s->site);
            if (s->line > 0) fprintf(out, ":%lld", (long long)s->line);
            fputs("</code></b>", out);
            if (s->npaths > 1) {
                fprintf(out, " <span class=dim>%u call paths:", s->npaths);
                for (uint32_t p = 0; p < s->npaths && p < 8; p++) {
                    const gmd_leak_path *pa = &s->paths[p];
                    const char *via = s->kind == GMD_LEAK_HEAP ? (pa->nstack > 1 ? pa->stack[1] : pa->stack[0])
                                                               : pa->stack[pa->nstack - 1];
                    fputs(p ? ", " : " ", out);
                    gmd_put_xml_str(out, via);
                    fprintf(out, " %.0f%%", pa->share * 100);
                }
                fputs("</span>", out);
            }
            fputs("<pre>", out);
            for (uint32_t f = 0; f < s->nstack; f++) {
                gmd_put_xml_str(out, s->stack[f]);
                fputc('\n', out);
            }
            fputs("</pre><ul class=ev>", out);
            for (uint32_t e = 0; e < s->nevidence; e++) {
                fputs("<li>", out);
                gmd_put_xml_str(out, s->evidence[e]);
                fputs("</li>", out);
            }
            fputs("</ul></td>", out);
            if (heap)
                fprintf(out, "<td class=num>+%s/s</td><td class=num>%s</td>", gmd_fmt_bytes_iec(s->growth_per_sec, a, sizeof a),
                        gmd_fmt_bytes_iec(s->current, b, sizeof b));
            else
                fprintf(out, "<td class=num>%+.1f/s</td><td class=num>%.0f</td>", s->growth_per_sec, s->current);
            fprintf(out, "<td class=num>%.2f</td><td class=num>%.2f</td></tr>\n", s->score, s->confidence);
        }
        fputs("</table>\n", out);
    }
    if (r->ndismissed) {
        fputs("<h2>Grew but not counted</h2>\n<ul>", out);
        for (uint32_t i = 0; i < r->ndismissed; i++) {
            const gmd_leak_dismissed *d = &r->dismissed[i];
            fputs("<li><code>", out);
            gmd_put_xml_str(out, d->site);
            fputs("</code>: ", out);
            if (d->kind != GMD_LEAK_GOROUTINE)
                fprintf(out, "%s &rarr; peak %s &rarr; ", gmd_fmt_bytes_iec(d->first, a, sizeof a), gmd_fmt_bytes_iec(d->peak, b, sizeof b));
            else
                fprintf(out, "%.0f &rarr; peak %.0f &rarr; ", d->first, d->peak);
            if (d->kind != GMD_LEAK_GOROUTINE) gmd_put_xml_str(out, gmd_fmt_bytes_iec(d->current, a, sizeof a));
            else fprintf(out, "%.0f", d->current);
            fputs(": ", out);
            gmd_put_xml_str(out, d->why);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }

    fputs("<h2>Where the heap grew</h2>\n<p class=dim>Diff flame graph of in-use bytes: widths from the last heap "
          "profile, red where it grew since an earlier snapshot (a quarter to half into the run, named in the title: the first is often near empty), blue where it shrank. Click to zoom.</p>\n", out);
    write_flame(out, r);
    if (r->nnotes) {
        fputs("<h2>Notes</h2>\n<ul>", out);
        for (uint32_t i = 0; i < r->nnotes; i++) {
            fputs("<li>", out);
            gmd_put_xml_str(out, r->notes[i]);
            fputs("</li>", out);
        }
        fputs("</ul>\n", out);
    }
    fputs("<script id=gmd-data type=\"application/json\">", out);
    write_data(out, r);
    fputs("</script>\n<script>", out);
    fputs(page_js, out);
    fputs("</script>\n</body></html>\n", out);
    return ferror(out) ? gmd_errf(err, "write failed") : 0;
}
