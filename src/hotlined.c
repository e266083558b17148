/* hotlined.c: the node daemon's main(). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "hotlined: not yet built\n");
	return 1;
}
