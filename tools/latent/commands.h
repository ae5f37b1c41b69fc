/* The commands of `latent`: each takes the arguments after its name and returns the exit status. */
#ifndef LATENT_CLI_COMMANDS_H
#define LATENT_CLI_COMMANDS_H

int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_sample(int argc, char **argv);
int cmd_reconstruct(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_anomaly(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* latent bench train (called by cmd_bench). */
int bench_train(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
int cmd_compare(int argc, char **argv);

#endif
