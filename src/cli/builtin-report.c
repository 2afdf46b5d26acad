/* gmd report: analyse a bundle written by gmd run / gmd watch, offline. */
#include <getopt.h>
#include <string.h>
#include "cli.h"
#include "observe.h"

static void usage(FILE *out)
{
    fputs("usage: gmd report [options] BUNDLE\n"
          "\n"
          "Analyse a bundle written by 'gmd run' or 'gmd watch' again, offline: the same\n"
          "verdict, suspects and evidence, and a fresh report.html in the bundle.\n"
          "\n"
          "Options:\n"
          "  --json               print the verdict as one JSON object\n"
          "  --html FILE          write the HTML report to FILE instead of BUNDLE/report.html\n"
          "  --no-html            write no HTML report\n"
          "  --fail-on-leak       exit with status 3 when the verdict is a leak (for CI)\n"
          "  -h, --help           this help\n"
          "\n"
          "Example:\n"
          "  gmd report gmd-run-20250101-120000 --json | jq '.suspects[0].site'\n",
          out);
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"json", no_argument, NULL, 'j'},
        {"html", required_argument, NULL, 'H'},
        {"no-html", no_argument, NULL, 'N'},
        {"fail-on-leak", no_argument, NULL, 'F'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, no_html = false, fail_on_leak = false;
    const char *html = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return CLI_OK;
        case 'j': json = true; break;
        case 'H': html = optarg; break;
        case 'N': no_html = true; break;
        case 'F': fail_on_leak = true; break;
        case ':': return cli_usage_error("report", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        fputs("usage: gmd report [options] BUNDLE\n", stderr);
        return cli_usage_error("report", "missing the bundle directory");
    }
    if (optind + 1 < argc) return cli_usage_error("report", "too many arguments");
    return observe_report_ex(argv[optind], json, no_html, html, fail_on_leak);
}
