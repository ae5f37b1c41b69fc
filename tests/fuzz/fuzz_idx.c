/* libFuzzer harness: the IDX reader (as data and as labels), gzip'd or not, from memory. */
#include <stdlib.h>
#include "latent/memory.h"
#include "src/io/readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    latent_stream *s = malloc(sizeof *s);
    latent_dataset ds = {0};
    if (latent_stream_open_mem(s, "fuzz-ubyte", data, size) == LATENT_OK) latent_idx_load_data(s, &ds, NULL);
    latent_stream_close(s);
    latent_dataset_free(&ds);
    int32_t *labels = NULL;
    int64_t n;
    if (latent_stream_open_mem(s, "fuzz-ubyte", data, size) == LATENT_OK) latent_idx_load_labels(s, &labels, &n);
    latent_stream_close(s);
    latent_free(labels);
    free(s);
    return 0;
}
