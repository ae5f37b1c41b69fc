/* The model families: a family joins by its table here, one line. */
#include <string.h>
#include "model.h"

extern const latent_family latent_ae_family, latent_vae_family, latent_gan_family,
    latent_classifier_family, latent_dcgan_family;

const latent_family *const latent_families[] = {
    &latent_ae_family,
    &latent_vae_family,
    &latent_gan_family,
    &latent_classifier_family,
    &latent_dcgan_family,
    NULL,
};

const latent_family *latent_family_named(const char *name)
{
    for (int i = 0; latent_families[i]; i++)
        if (strcmp(latent_families[i]->name, name) == 0) return latent_families[i];
    return NULL;
}
