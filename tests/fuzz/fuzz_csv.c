/* libFuzzer harness: the CSV reader from memory (two passes over the same stream). */
#include <stdlib.h>
#include "src/io/readers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    latent_stream *s = malloc(sizeof *s);
    latent_dataset ds = {0};
    if (latent_stream_open_mem(s, "fuzz.csv", data, size) == LATENT_OK) latent_csv_load_data(s, &ds, NULL);
    latent_stream_close(s);
    latent_dataset_free(&ds);
    free(s);
    return 0;
}
