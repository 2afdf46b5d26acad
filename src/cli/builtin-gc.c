/* gmd gc */
#include "cli.h"

int cmd_gc(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("gc: not implemented yet");
}
