/* Activation names, as the command line and checkpoints spell them. */
#include <string.h>
#include "latent/activation.h"

static const char *const names[LATENT_ACT_COUNT] = {"identity", "relu", "leaky_relu",
                                                    "sigmoid",  "tanh", "softplus"};

const char *latent_act_name(latent_act act)
{
    return (unsigned)act < LATENT_ACT_COUNT ? names[act] : "unknown";
}

latent_status latent_act_parse(const char *name, latent_act *out)
{
    for (int i = 0; i < LATENT_ACT_COUNT; i++)
        if (name && strcmp(name, names[i]) == 0) {
            *out = (latent_act)i;
            return LATENT_OK;
        }
    return latent_fail(LATENT_EINVAL,
                       "unknown activation '%s' (expected identity, relu, leaky_relu, sigmoid, "
                       "tanh or softplus)",
                       name ? name : "");
}
