/* hotline.c: the operator CLI's main(). */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "hotline: not yet built\n");
	return 1;
}
