/* The latent command-line program. PLACEHOLDER: `latent info` only. */
#include <stdio.h>
#include <string.h>
#include "latent/latent.h"

int main(int argc, char **argv)
{
    if (latent_isa_init_from_env() != LATENT_OK) {
        fprintf(stderr, "latent: %s\n", latent_last_error());
        return 1;
    }
    if (argc >= 2 && strcmp(argv[1], "info") == 0) {
        printf("isa detected: %s\nisa used: %s\n", latent_isa_name(latent_isa_detected()),
               latent_isa_name(latent_isa_active()));
        return 0;
    }
    fprintf(stderr, "usage: latent info\n");
    return 2;
}
