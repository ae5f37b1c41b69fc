/* libFuzzer harness: the safetensors reader, and its JSON parser on the raw bytes as well. */
#include <string.h>
#include "latent/io.h"
#include "src/io/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    latent_safetensors f;
    if (latent_safetensors_read_mem("fuzz.safetensors", data, size, &f) == LATENT_OK) {
        for (int i = 0; i < f.n_tensors; i++) latent_safetensors_find(&f, f.tensors[i].name);
        latent_safetensors_free(&f);
    }
    latent_json_doc doc;
    if (size > 8 && latent_json_parse("fuzz.json", (const char *)data + 8, size - 8, &doc) == LATENT_OK)
        latent_json_free(&doc);
    return 0;
}
