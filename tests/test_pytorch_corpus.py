"""The corpus of PyTorch-idiom scripts (tests/pytorch_scripts/): each runs on tinygrad_bn
with only its import lines swapped (tests/torch_swap.py) and, where torch is installed,
its loss trajectory is compared with the unmodified script's on PyTorch.

Each script is a plain PyTorch program run in a process of its own, as a user runs it
(`python script.py`, `__name__ == "__main__"`, no arguments), one thread, with a time
limit; the process is forked from one that has imported the framework, so that the ~100
runs pay for one import of each (tests/script_server.py says why that start is a fresh
interpreter's). Scripts print what the comparison reads in a fixed format:

    step <i> loss <value>       one line per training step, i = 0, 1, 2, ...
    final <name> <value>        a number to compare at the end (the last line of a name wins)

Every other line is the script's own output and is ignored. The data are NumPy arrays and
strings from tests/pytorch_scripts/corpus_data.py (never swapped), identical on both sides.

How closely the two runs must agree is the script's `Spec`, with its reason:
- exact (`rtol`): the script draws nothing from the framework's random generator (initial
  weights from NumPy, fixed batch order, no dropout), so both runs take the same path and
  each step's loss must agree to `rtol` (rounding differences of float32 or float64
  matmuls and reductions, grown over the steps).
- `band`: initialisation, shuffling, dropout or sampling come from the framework's
  generator, which differs between PyTorch and tinygrad_bn; the step losses are compared
  as means over the first and the last `window` steps, within `band` (twice the spread
  measured on PyTorch across seeds).
Named finals are compared within `finals[name]`, absolute. scripts/corpus_tolerances.py
measures both kinds of tolerance for a script.

On tinygrad_bn alone (no torch needed) every script must exit 0, print finite losses for
as many steps as on PyTorch's side, and train: the mean loss over the last window is below
the mean over the first.

(Past 500 lines: the spec table has one entry per script, each with its measured reason.)
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.script_server import Server
from tests.torch_swap import swap_line, to_tinygrad_bn

ROOT = Path(__file__).resolve().parents[1]
SCRIPT_DIR = Path(__file__).resolve().parent / "pytorch_scripts"
DATA_MODULE = "corpus_data.py"
TIMEOUT = 240  # seconds per run; the slowest script takes about 15 s on a loaded machine

_STEP = re.compile(r"^step (\d+) loss (\S+)$")
_FINAL = re.compile(r"^final (\w+) (\S+)$")


@dataclass(frozen=True)
class Spec:
    why: str  # where the tolerances come from
    rtol: float = 0.0  # exact: per-step relative tolerance
    atol: float = 0.0  # exact: absolute floor (for losses that reach 0)
    band: tuple[float, float] | None = None  # band: tolerances on the first and last means
    window: int = 10  # steps averaged at the start and at the end
    finals: dict[str, float] = field(default_factory=dict)  # name -> absolute tolerance
    trains: bool = True  # the loss falls (a GAN's discriminator loss need not)


# Tolerances, measured on PyTorch with scripts/corpus_tolerances.py:
# - exact: a "rounding model" run perturbs every matmul, linear, conv2d and sum output by
#   a relative N(0, 1) * 2^-52 (float64) or 2^-23 (float32), forward only, and records the
#   largest relative change of any step's loss (3 seeds). It predicts what tinygrad_bn's
#   different summation order does: 2.0e-7 vs 2.8e-7 observed (mnist_mlp_adam), 2.0e-15 vs
#   1.7e-15 (regression_sgd). rtol is at least 20x the model's number; a semantic
#   difference (n vs n-1 in var, a missed update) moves losses by 1e-3 or more.
# - band: the script on PyTorch with its seeds shifted by 1..6; the tolerance is twice
#   the largest distance from the unshifted run of the first/last window means (and of
#   each final): tinygrad_bn's generator is one more "seed".
FLOAT64_EXACT = "float64, same path; rounding model: <= 2e-15 (custom_function, "\
    "manual_backprop, char_rnn_classify: < 1e-12 at the printed precision)"
SPECS: dict[str, Spec] = {
    "poly_sin_autograd": Spec(
        FLOAT64_EXACT + "; 2.9e-13 at one step; the fitted constant is ~6e-9 (sin is odd) "
        "and moves by 6.8e-12 under the rounding model (2.5e-12 seen on tinygrad_bn)",
        rtol=1e-11, finals={"bias": 1e-10}),
    "custom_function": Spec(FLOAT64_EXACT, rtol=1e-11, finals={"w2norm": 1e-9}),
    "manual_backprop": Spec(
        FLOAT64_EXACT + "; each hand-written gradient within 1e-15 of autograd",
        rtol=1e-11, finals={"first_loss": 1e-11} | {
            f"maxdiff_{name}": 1e-15 for name in (
                "logprobs", "probs", "counts_sum_inv", "logits", "h", "W2", "b2", "hpreact",
                "bngain", "bnvar", "hprebn", "W1", "b1", "C", "logits_fast", "hprebn_fast")}),
    "char_rnn_classify": Spec(FLOAT64_EXACT, rtol=1e-11, finals={"accuracy": 1e-9}),
    "autograd_tour": Spec(FLOAT64_EXACT + "; Newton's steps reach 0 (atol)", rtol=1e-11,
                          atol=1e-12, finals={"w_grad_sum": 1e-12, "vjp_sum": 1e-9,
                                              "gd_value": 1e-10}),
    "regression_sgd": Spec(FLOAT64_EXACT + "; observed 1.7e-15", rtol=1e-11,
                           finals={"val_r2": 1e-10}),
    "cnn_pretrained_init": Spec(
        FLOAT64_EXACT + "; the float32 version is chaotic (model: 7.7e-4 by the end)",
        rtol=1e-11, finals={"test_loss": 1e-10, "test_accuracy": 0.0}),
    "finetune_frozen": Spec(FLOAT64_EXACT + "; 4.5e-16 here", rtol=1e-11,
                            finals={"best_val_accuracy": 0.0026, "head_weight_norm": 1e-9}),
    "mnist_from_scratch": Spec(
        "float32, same path; rounding model 2.5e-7; a valid accuracy may flip one digit "
        "of 500 at a near tie", rtol=5e-6,
        finals={"valid_loss_0": 1e-5, "valid_loss_1": 1e-5, "valid_acc": 0.0021}),
    "mnist_mlp_adam": Spec(
        "float32, same path; rounding model 2.0e-7, observed 2.8e-7; two test digits of "
        "500 may flip at a near tie", rtol=5e-6,
        finals={"test_accuracy": 0.0041, "running_mean_sum": 1e-4, "running_var_sum": 1e-4}),
    "makemore_bigram": Spec(
        "seed spread 0.037 (first) / 0.0004 (last: convex problem); the counted model is "
        "deterministic (float32 sums in the same order)",
        band=(0.08, 0.001), finals={"count_nll": 1e-5}),
    "makemore_mlp_bn": Spec("seed spread 0.081 / 0.081; finals 0.17, 0.052",
                            band=(0.17, 0.17), finals={"train_running": 0.35,
                                                       "val_layers": 0.11}),
    "tiny_gpt": Spec("seed spread 0.10 / 0.080; val_loss 0.11", band=(0.2, 0.16),
                     finals={"val_loss": 0.22}),
    "mingpt_sort": Spec("seed spread 0.19 / 0.029 (test accuracy spreads 0.3: not compared)",
                        band=(0.38, 0.06)),
    "mnist_samplers": Spec(
        "seed spread 0.036 / 0.15 (the last window is the short weighted-sampler phase); "
        "accuracies 0.067 (valid, 240 digits), 0.025 (test)", band=(0.075, 0.3),
        finals={"valid_accuracy": 0.14, "test_accuracy": 0.05}),
    "gan_2d": Spec("seed spread 0.079 / 0.0094; radius 0.066, G loss 0.008",
                   band=(0.16, 0.019), trains=False,
                   finals={"mean_radius": 0.14, "mean_G_loss": 0.016}),
    "mnist_cnn": Spec("seed spread 0.10 / 0.12; test loss 0.12, accuracy 0.054",
                      band=(0.2, 0.24), finals={"test_loss": 0.25, "test_accuracy": 0.11}),
    "examples_progression": Spec(
        FLOAT64_EXACT + "; rounding model 9.6e-16, observed 9.0e-16", rtol=1e-11,
        finals={"manual_vs_autograd": 1e-12, "sort_grad": 1e-12, "middle_norm": 1e-10}),
    "checkpoint_resume": Spec(
        "float32, same path; rounding model 6e-7, observed 3.9e-7; finals 1.4e-7 (model), "
        "4.7e-8 observed", rtol=1e-5,
        finals={"val_loss": 2e-6, "val_acc": 0.0, "resumed_val_loss": 2e-6,
                "running_mean_sum": 3e-6}),
    "func_transforms": Spec(
        FLOAT64_EXACT + "; observed 5.1e-15 (the rounding model's hook does not run under "
        "torch.func)", rtol=1e-11,
        finals={"jac_sum": 1e-12, "hess_trace": 1e-12, "mean_norm": 1e-12,
                "ensemble_sum": 1e-12}),
    "hooks_checkpointing": Spec(
        FLOAT64_EXACT + "; rounding model 8.6e-16, observed 6.5e-16", rtol=1e-11,
        finals={"act_mean": 1e-13, "block_grad_norm": 1e-13, "fc1_grad_clipped": 1e-12,
                "chain_loss": 1e-12}),
    "micrograd_lecture": Spec(
        "float64, same path; rounding model 2.4e-12 (learning rates up to 10 in the sweep), "
        "observed 1.9e-15; full_loss is a float32 cross-entropy (2.4e-7 observed)",
        rtol=1e-10, finals={"neuron_w1_grad": 1e-14, "mlp_loss": 1e-12, "best_lre": 1e-9,
                            "full_loss": 2e-6}),
    "reinforce_corridor": Spec(
        "seed spread 16 (first: episode lengths of a random policy) / 0.2 (last); "
        "running_reward 0.078, entropy 0.094; the Normal fit is deterministic float64 "
        "(mu, sigma), the KL float32", band=(32.0, 0.4),
        finals={"running_reward": 0.16, "entropy": 0.19, "mu": 1e-9, "sigma": 1e-9,
                "kl": 1e-5, "cat_entropy": 1e-6}),
    "vae": Spec("seed spread 10.1 / 2.9 (summed BCE + KL per digit, about 230 at the end); "
                "test loss 1.8, sample mean 0.0086", band=(21.0, 6.0),
                finals={"test_loss": 3.6, "sample_mean": 0.018}),
    "d2l_batch_norm": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals (1e-12 on a final)",
        rtol=1e-9, finals={"scratch_test_acc": 0.0, "scratch_gamma_sum": 1e-10,
                           "scratch_moving_var_sum": 1e-10, "concise_test_acc": 0.0,
                           "concise_gamma_sum": 1e-10, "concise_running_var_sum": 1e-10}),
    "makemore_wavenet": Spec("seed spread 0.032 / 0.092; losses 0.029 (train), 0.06 (val), "
                             "running variance 0.38", band=(0.07, 0.19),
                             finals={"train_loss": 0.06, "val_loss": 0.12,
                                     "running_var_mean": 0.76}),
    "dcgan_digits": Spec("seed spread 0.086 / 0.089; G loss 0.11, sample mean 0.026",
                         band=(0.18, 0.18), trains=False,
                         finals={"mean_G_loss": 0.22, "sample_mean": 0.052}),
    "fgsm_adversarial": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision, the attacked "
        "accuracies and pixel sums included (without the test digits' dither, max-pooling "
        "ties moved them by up to 0.05)", rtol=1e-9,
        finals={f"acc_eps_{e}": 0.0 for e in (0, 5, 10, 20, 30)} | {"adv_pixel_sum": 1e-7}),
    "knowledge_distillation": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision; the KL forms agree "
        "to 2.1e-17", rtol=1e-9,
        finals={"teacher_acc": 0.0, "student_ce_acc": 0.0, "student_kd_acc": 0.0,
                "kl_batchmean": 1e-10, "kl_forms_differ": 1e-15, "cosine_loss": 1e-10,
                "student_grad_norm": 1e-10}),
    "lstm_pos_tagger": Spec("seed spread 0.30 / 0.12 (mean loss per epoch); tag accuracy "
                            "0.037; the stepped LSTM equals the whole-sequence one",
                            band=(0.6, 0.24), window=10,
                            finals={"stepwise_matches": 0.0, "tag_accuracy": 0.074}),
    "transformer_lm": Spec("seed spread 0.36 / 0.037; best val loss 0.083, test loss 0.095",
                           band=(0.72, 0.074), finals={"best_val_loss": 0.17,
                                                       "test_loss": 0.19}),
    "magnitude_pruning": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision (the random pruning "
        "draws from the generator, but only its count is printed)", rtol=1e-9,
        finals={"random_pruned": 0.0, "bias_zeros": 0.0, "zero_channels": 0.0,
                "global_sparsity": 0.0, "foobar_mask_sum": 0.0, "dense_acc": 0.0,
                "pruned_acc_0": 0.0, "pruned_acc_1": 0.0, "zeros_kept": 0.0,
                "zeros_after_remove": 0.0, "fc1_norm": 1e-9}),
    "word_language_model": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision (nn.LSTM is outside "
        "the model's hooks); observed 0 (the sampled words draw from the generator: only "
        "their count is compared)", rtol=1e-9,
        finals={f"val_loss_{e}": 1e-9 for e in range(1, 7)} | {
            "test_loss": 1e-9, "lr": 0.0, "tied": 0.0, "generated_words": 0.0}),
    "super_resolution": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision, 2e-15 on the "
        "pixel-unshuffle round trip; the orthogonal init draws from the generator: only "
        "its orthogonality and gain are compared", rtol=1e-9,
        finals={"orthogonal_rows": 0.0, "orthogonal_gain": 1e-5, "psnr": 1e-8,
                "bicubic_psnr": 1e-8, "out_sum": 1e-7, "unshuffle_err": 1e-12}),
    "siamese_network": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision", rtol=1e-9,
        finals={"bce_test_loss": 1e-9, "bce_test_acc": 0.0, "last_lr": 0.0,
                "same_distance": 1e-9, "other_distance": 1e-9, "triplet_nearer": 0.0,
                "cosine_triplet": 1e-9}),
    "spatial_transformer": Spec(
        "float64, same path; observed 0 at the printed precision, but the rounding model "
        "moves the steps by 0.15: the identity theta puts every grid point on a pixel "
        "centre, where the bilinear gradient is one-sided and the last bit of a coordinate "
        "picks the side (tinygrad_bn's grid is PyTorch's bit for bit), and Adam turns the "
        "first steps' tiny localisation gradients into full-size steps. Any rounding "
        "difference in the grid, sampling, conv or Adam shows here first",
        rtol=1e-6, finals={"test_loss": 1e-6, "test_accuracy": 0.0,
                           "transformed_sum": 1e-4, "theta_mean_abs": 1e-7,
                           "theta_det_mean": 1e-7, "border_sum": 1e-5,
                           "theta_grad_norm": 1e-5, "image_grad_sum": 1e-5,
                           "nearest_sum": 1e-5}),
    "time_sequence_prediction": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 12 decimals (nn.LSTMCell is "
        "outside the model's hooks), 1e-12 on a future rollout; observed 3.5e-10 on one "
        "step of a longer version (LBFGS's line search amplifies)", rtol=1e-8,
        finals={"plain_test_loss": 1e-10, "plain_future_mean": 1e-9,
                "plain_evaluations": 0.0, "wolfe_test_loss": 1e-10,
                "wolfe_future_mean": 1e-9, "wolfe_evaluations": 0.0,
                "wolfe_func_evals": 0.0, "wolfe_n_iter": 0.0}),
    "actor_critic": Spec(
        FLOAT64_EXACT + "; the losses are episode lengths (an action drawn otherwise "
        "changes one by 1 or more); rounding model 0", rtol=1e-9,
        finals={"running_reward": 1e-6, "last_entropy": 1e-8, "mean_length_last20": 0.0}),
    "seq2seq_attention": Spec(FLOAT64_EXACT + "; rounding model 0 at the printed precision",
                              rtol=1e-9, finals={"exact_translations": 0.0,
                                                 "attention_peak": 1e-9}),
    "neural_style": Spec(
        "float64, same path; rounding model 7.1e-10 (the LBFGS phase: the clamp between "
        "evaluations makes it chaotic, hence only its first 20 evaluations), observed "
        "3.1e-9; the Adam phase 0", rtol=1e-7,
        finals={"lbfgs_evaluations": 0.0, "lbfgs_output_mean": 1e-8,
                "lbfgs_style_loss": 1e-8, "output_mean": 1e-9, "output_std": 1e-9,
                "style_loss": 1e-10, "content_loss": 1e-10, "trainable": 0.0}),
    "packed_sequences": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed precision, 2.2e-15 on the "
        "packed-vs-alone difference", rtol=1e-9,
        finals={"batch_sizes_sum": 0.0, "first_sorted_index": 0.0, "last_accuracy": 0.0,
                "mean_accuracy": 0.0, "packed_vs_alone": 1e-14}),
    "fast_neural_style": Spec(
        "float64, same path; rounding model 1.1e-9 (losses of 1e9: style weight 1e10), "
        "finals 4.1e-5 (content), 0.24 (style), 6e-8 (image mean), 1.9e-9 (weights); "
        "observed 4.9e-16", rtol=2.5e-8,
        finals={"content_loss": 1e-3, "style_loss": 5.0, "stylized_mean": 1e-6,
                "in1_weight_sum": 4e-8}),
    "autograd_mechanics": Spec(
        FLOAT64_EXACT + "; rounding model 5.2e-16, finals 6.9e-18 (vjp_sum), 0 (accuracy, "
        "head_norm)", rtol=1e-11, finals={"vjp_sum": 1e-13, "accuracy": 0.0,
                                          "head_norm": 1e-10}),
    "saved_tensor_hooks": Spec(
        FLOAT64_EXACT + "; rounding model 4.1e-15; the activations kept on disk must give "
        "the plain run's losses (checked in the script)", rtol=1e-11,
        finals={"accumulated_norm": 1e-10}),
    "double_backward_custom": Spec(
        FLOAT64_EXACT + "; rounding model 1.6e-15 (every step differentiates twice "
        "through the custom backwards), finals 0 at the printed precision", rtol=1e-11,
        finals={"value_error": 1e-10, "slope_error": 1e-10, "w3_norm": 1e-10}),
    "extending_functions": Spec(
        FLOAT64_EXACT + "; rounding model 5.9e-16, jvp_sum 1.8e-15 (measured without the "
        "gradchecks, which a perturbed backward fails as non-reentrant, and the "
        "torch.func.jvp, which TorchScript-compiles around the model's hooks)",
        rtol=1e-11, finals={"jvp_sum": 1e-12, "test_accuracy": 0.0}),
    "forward_ad_dual": Spec(
        FLOAT64_EXACT + "; the rounding model cannot run forward mode (PyTorch "
        "TorchScript-compiles its jvp decompositions around the model's hooks): on a copy "
        "whose directional derivatives come from reverse mode, 4.6e-15; observed 2e-15, "
        "8.9e-16 on func_jvp_sum", rtol=1e-11,
        finals={"fn_jvp_sum": 1e-12, "module_jvp_sum": 1e-11, "func_jvp_sum": 1e-12,
                "forward_w_error": 1e-10, "reverse_w_error": 1e-10}),
    "neural_tangent_kernel": Spec(
        FLOAT64_EXACT + "; the rounding model cannot run torch.func's transforms: the "
        "training alone 8.2e-16, finals 0; observed 8.6e-16, kernels 0 at the printed 12 "
        "digits", rtol=1e-11,
        finals={"ntk_sum": 1e-9, "ntk_trace_sum": 1e-9, "kernel_accuracy": 0.0,
                "kernel_change_7": 1e-10, "kernel_change_15": 1e-10,
                "kernel_change_23": 1e-10, "net_accuracy": 0.0}),
    "parametrizations": Spec(
        FLOAT64_EXACT + "; rounding model 8.6e-16, finals 0 (spectral_norm's power "
        "iteration starts from the generator: only its converged sigma is compared)",
        rtol=1e-11, finals={"g_sum": 1e-10, "spectral_sigma": 1e-8, "orth_eig_min": 1e-10,
                            "orth_eig_max": 1e-10}),
    "func_custom_function": Spec(
        FLOAT64_EXACT + "; rounding model 1.3e-15 on the training (measured without the "
        "torch.func checks and per-sample gradients, which TorchScript-compiles around the "
        "model's hooks); observed equal", rtol=1e-11,
        finals={"grad_sum": 1e-12, "jvp_sum": 1e-12, "per_sample_norm_0": 1e-10,
                "per_sample_norm_10": 1e-10, "per_sample_norm_20": 1e-10,
                "test_accuracy": 0.0}),
    "nn_refactor_cnn": Spec(
        FLOAT64_EXACT + "; rounding model 1.5e-15 over 240 steps of three CNNs, finals 0 "
        "at the printed 6 decimals (with the tutorial's random init and shuffling the "
        "seeds spread the last window by 0.49 and the losses by 0.45: made exact)",
        rtol=1e-11, finals={"module_val_loss": 2e-6, "sequential_val_loss": 2e-6,
                            "adaptive_val_loss": 2e-6, "adaptive_accuracy": 0.0}),
    "reproducibility_accumulation": Spec(
        "seed spread 0.075 / 0.075 (losses of a step: four micro-batches of 16); test "
        "loss 0.092, accuracy 0.04, mean clipped norm 0.12", band=(0.15, 0.15),
        finals={"test_loss": 0.19, "test_accuracy": 0.08, "mean_clip_norm": 0.24}),
    "d2l_linear_regression": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 12 decimals", rtol=1e-9,
        finals={key: 1e-10 for key in (
            "scratch_w_error", "scratch_b", "concise_w_error", "concise_b",
            "scratch_l2_0_w_norm", "scratch_l2_0_val", "scratch_l2_3_w_norm",
            "scratch_l2_3_val", "concise_wd_w_norm", "concise_wd_val")}),
    "d2l_softmax_regression": Spec(
        "float32, same path; rounding model 2.2e-7 (steps), 1e-7 (validation loss, "
        "log-sum-exp); a validation digit of 300 may flip at a near tie", rtol=5e-6,
        finals={"toy_cross_entropy": 2e-6, "scratch_val_accuracy": 0.0034,
                "scratch_W_norm": 2e-5, "concise_val_accuracy": 0.0034,
                "concise_val_loss": 2e-6, "naive_has_nan": 0.0, "stable_log_prob": 2e-6,
                "logsumexp_gap": 2e-6, "stable_ce": 2e-6}),
    "d2l_mlp_dropout": Spec(
        "seed spread 0.14 / 0.04 (weights from torch.randn, dropout masks, shuffling); "
        "val losses 0.073 (scratch), 0.092 (concise), accuracies 0.047, 0.06; the "
        "initialisation checks draw from NumPy (0)", band=(0.28, 0.08),
        finals={"kept_fraction": 0.02, "scratch_val_loss": 0.15, "scratch_val_acc": 0.1,
                "xavier_within_bound": 0.0, "concise_val_loss": 0.19,
                "concise_val_acc": 0.12, "sigmoid_grad_max": 1e-7,
                "sigmoid_grad_edge": 1e-9, "log10_product_norm": 1e-6,
                "xavier_activation_std": 1e-6}),
    "d2l_modern_cnns": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals (the dry runs' "
        "BatchNorm statistics are reset: they saw the generator's biases)", rtol=1e-9,
        finals={f"{net}_{key}": (0.0 if key in ("out_features", "test_acc") else 1e-9)
                for net in ("vgg", "nin", "googlenet", "resnet", "densenet")
                for key in ("out_features", "test_loss", "test_acc")} | {
                    "resnet_running_var_sum": 1e-9, "densenet_channels": 0.0}),
    "d2l_rnn_scratch": Spec(
        "float64, same path; rounding model 7e-11 (steps: the clipping threshold and SGD "
        "at learning rate 2 amplify), 1e-10 on a perplexity; observed 0", rtol=1e-8,
        finals={"scratch_perplexity": 1e-8, "mean_grad_norm": 1e-9, "clipped_steps": 0.0,
                "concise_matches_scratch": 0.0, "concise_perplexity": 1e-8}),
    "d2l_gru_lstm": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals (nn.GRU/nn.LSTM "
        "are outside the model's hooks)", rtol=1e-9,
        finals={"gru_scratch_loss": 1e-9, "lstm_scratch_loss": 1e-9,
                "lstm_concise_matches": 0.0, "lstm_concise_loss": 1e-9,
                "gru_concise_loss": 1e-9, "deep_gru_loss": 1e-9,
                "deep_gru_state_layers": 0.0, "birnn_output_size": 0.0,
                "birnn_backward_first": 1e-9, "birnn_last_state": 1e-9}),
    "d2l_attention": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals", rtol=1e-9,
        finals={"nonparametric_mse": 1e-10, "kernel_w": 1e-9, "parametric_mse": 1e-9,
                "masked_zero_count": 0.0, "masked_row_sum": 1e-11,
                "additive_out_sum": 1e-9, "dot_out_sum": 1e-9, "pos_encoding_sum": 1e-8,
                "pos_encoding_unit": 1e-11, "mha_weights_shape": 0.0,
                "pooled_weight_zeros": 0.0}),
    "d2l_optimizers": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 12 decimals; the hand-written "
        "and torch.optim weights differ by 1.1e-16 (momentum), 5.5e-17 (Adam)",
        rtol=1e-9, finals={f"{name}_loss": 1e-10 for name in (
            "sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "yogi",
            "optim_momentum", "optim_adagrad", "optim_rmsprop", "optim_adadelta",
            "optim_adam")} | {"momentum_gap": 1e-15, "adadelta_gap": 1e-15,
                              "adam_gap": 1e-15}),
    "d2l_lr_schedulers": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals", rtol=1e-9,
        finals={f"{name}_{key}": 1e-9 for name in (
            "constant", "sqrt", "factor", "multistep", "cosine_warmup")
            for key in ("test_loss", "last_lr")} | {"multistep_get_last_lr": 1e-12,
                                                    "cosine_gap": 1e-15}),
    "d2l_seq2seq": Spec(
        FLOAT64_EXACT + "; rounding model 0 at the printed 10 decimals (nn.GRU is outside "
        "the model's hooks); the greedy translations compared exactly", rtol=1e-9,
        finals={"exact_translations": 0.0, "mean_bleu": 1e-9}),
    "d2l_anchor_boxes": Spec(
        "float32, same path; rounding model 2.3e-7 (steps), finals 0; a detection near the "
        "confidence threshold or at an NMS IoU tie may flip (one or two boxes; the best "
        "box's IoU with it)", rtol=5e-6,
        finals={"example_class_sum": 0.0, "example_offset_sum": 1e-4, "num_anchors": 0.0,
                "kept_total": 2.0, "mean_best_iou": 0.01}),
}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    steps: list[float]
    finals: dict[str, float]

    def failure(self) -> str:
        """The last lines of stderr: the exception a failing script raised."""
        return "\n".join(self.stderr.strip().splitlines()[-6:])


def parse(stdout: str) -> tuple[list[float], dict[str, float]]:
    """Step losses in order (the step numbers must count 0, 1, 2, ...) and named finals."""
    steps: list[float] = []
    finals: dict[str, float] = {}
    for line in stdout.splitlines():
        if match := _STEP.match(line):
            assert int(match[1]) == len(steps), f"step lines out of order at {line!r}"
            steps.append(float(match[2]))
        elif match := _FINAL.match(line):
            finals[match[1]] = float(match[2])
    return steps, finals


def run_script(name: str, framework: str, directory: Path) -> Run:
    """Run tests/pytorch_scripts/<name>.py on `framework` ("torch" or "tinygrad_bn") in a
    process of its own as `python <name>.py` would, one thread, from `directory` (where a
    swapped copy is written); forked from a process that has imported the framework
    (tests/script_server.py: the same start, without an import per script)."""
    source = (SCRIPT_DIR / f"{name}.py").read_text()
    if framework == "tinygrad_bn":
        source = to_tinygrad_bn(source)
    path = directory / framework / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    out, err = path.with_suffix(".stdout"), path.with_suffix(".stderr")
    returncode = _server(framework).run(path, out, err, TIMEOUT)
    stdout, stderr = out.read_text(errors="replace"), err.read_text(errors="replace")
    if returncode is None:  # e.g. a loader that never yields a batch
        return Run(-1, stdout, f"timed out after {TIMEOUT} s", *parse(stdout))
    steps, finals = parse(stdout)
    return Run(returncode, stdout, stderr, steps, finals)


_SERVERS: dict[str, Server] = {}


def _server(framework: str) -> Server:
    """The framework's script server, started on first use: it imports NumPy, tinygrad_bn
    (the scripts' data module imports it on both sides) and, for PyTorch's runs, torch."""
    if framework not in _SERVERS:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(SCRIPT_DIR)]),
                   OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONHASHSEED="0")
        modules = ["numpy", "tinygrad_bn", *(["torch"] if framework == "torch" else [])]
        _SERVERS[framework] = Server(modules, env)
    return _SERVERS[framework]


@pytest.fixture(autouse=True, scope="module")
def _stop_servers() -> Iterator[None]:
    yield
    while _SERVERS:
        _SERVERS.popitem()[1].close()


def script_names() -> list[str]:
    return sorted(p.stem for p in SCRIPT_DIR.glob("*.py") if p.name != DATA_MODULE)


@functools.cache
def _run_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="pytorch_corpus_"))


@functools.cache
def cached_run(name: str, framework: str) -> Run:
    """Each script runs once per framework and session; several tests read the result."""
    return run_script(name, framework, _run_dir())


def window_means(steps: list[float], window: int) -> tuple[float, float]:
    return (sum(steps[:window]) / window, sum(steps[-window:]) / window)


def test_every_script_has_a_spec() -> None:
    assert script_names() == sorted(SPECS), \
        "each script in tests/pytorch_scripts/ needs a Spec here, and each Spec a script"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_only_the_import_lines_change(name: str) -> None:
    before = (SCRIPT_DIR / f"{name}.py").read_text().splitlines()
    after = to_tinygrad_bn("\n".join(before)).splitlines()
    assert len(before) == len(after)
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert changed and all(re.match(r"\s*(import|from) torch\b", a) for a, _ in changed)
    assert all("tinygrad_bn" in b and "torch" not in b.replace("as torch", "")
               for _, b in changed)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_script_runs_and_trains_on_tinygrad_bn(name: str) -> None:
    spec, run = SPECS[name], cached_run(name, "tinygrad_bn")
    assert run.returncode == 0, f"{name} failed on tinygrad_bn:\n{run.failure()}"
    assert len(run.steps) >= 2 * spec.window and all(map(math.isfinite, run.steps))
    if spec.trains:
        first, last = window_means(run.steps, spec.window)
        assert last < first, (name, first, last)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_script_matches_pytorch(name: str) -> None:
    pytest.importorskip("torch")
    spec = SPECS[name]
    ours, theirs = cached_run(name, "tinygrad_bn"), cached_run(name, "torch")
    assert theirs.returncode == 0, f"{name} failed on PyTorch:\n{theirs.failure()}"
    assert ours.returncode == 0, f"{name} failed on tinygrad_bn:\n{ours.failure()}"
    assert len(ours.steps) == len(theirs.steps), (len(ours.steps), len(theirs.steps))
    for problem in compare(spec, ours, theirs):
        pytest.fail(f"{name}: {problem}")


def compare(spec: Spec, ours: Run, theirs: Run) -> list[str]:
    """What differs beyond the spec's tolerances (empty: the runs agree)."""
    problems = []
    if spec.band is None:
        for i, (a, b) in enumerate(zip(ours.steps, theirs.steps)):
            if not abs(a - b) <= spec.atol + spec.rtol * max(abs(a), abs(b)):
                problems.append(f"step {i}: loss {a!r} on tinygrad_bn, {b!r} on PyTorch "
                                f"(rtol {spec.rtol})")
                break
    else:
        for label, tol, a, b in zip(("first", "last"), spec.band,
                                    window_means(ours.steps, spec.window),
                                    window_means(theirs.steps, spec.window)):
            if not abs(a - b) <= tol:
                problems.append(f"mean loss of the {label} {spec.window} steps: {a:.6f} on "
                                f"tinygrad_bn, {b:.6f} on PyTorch (atol {tol})")
    for key, tol in spec.finals.items():
        a, b = ours.finals.get(key), theirs.finals[key]
        if a is None or not abs(a - b) <= tol:
            problems.append(f"final {key}: {a} on tinygrad_bn, {b} on PyTorch (atol {tol})")
    return problems


@pytest.mark.parametrize("line, swapped", [
    ("import torch", "import tinygrad_bn as torch"),
    ("import torch as th", "import tinygrad_bn as th"),
    ("import torch.nn as nn", "import tinygrad_bn.nn as nn"),
    ("import torch.nn.functional as F", "import tinygrad_bn.nn.functional as F"),
    ("import torch.utils.data", "import tinygrad_bn.utils.data, tinygrad_bn as torch"),
    ("from torch import nn, optim", "from tinygrad_bn import nn, optim"),
    ("from torch.utils.data import (", "from tinygrad_bn.utils.data import ("),
    ("    import torch", "    import tinygrad_bn as torch"),
    ("x = torch.ones(2)  # import torch", "x = torch.ones(2)  # import torch"),
    ("import torchvision", "import torchvision"),
])
def test_swap_line(line: str, swapped: str) -> None:
    assert swap_line(line) == swapped


def test_swap_refuses_a_mixed_import_line() -> None:
    with pytest.raises(ValueError, match="import torch on a line of its own"):
        swap_line("import torch, numpy")


def _run(steps: list[float], **finals: float) -> Run:
    return Run(0, "", "", steps, finals)


def test_compare_flags_what_exceeds_the_tolerances() -> None:
    exact = Spec("test", rtol=1e-6, finals={"acc": 0.01})
    steps = [2.0, 1.5, 1.0]
    assert compare(exact, _run(steps, acc=0.9), _run(steps, acc=0.905)) == []
    assert compare(exact, _run([2.0, 1.5 * (1 + 1e-7), 1.0], acc=0.9),
                   _run(steps, acc=0.9)) == []
    assert "step 1" in compare(exact, _run([2.0, 1.5 * (1 + 1e-3), 1.0], acc=0.9),
                               _run(steps, acc=0.9))[0]
    assert "final acc" in compare(exact, _run(steps, acc=0.8), _run(steps, acc=0.9))[0]
    assert "final acc" in compare(exact, _run(steps), _run(steps, acc=0.9))[0]
    band = Spec("test", band=(0.1, 0.01), window=2)
    ours, theirs = [3.0, 2.9, 1.0, 0.5], [3.05, 2.95, 1.0, 0.5]
    assert compare(band, _run(ours), _run(theirs)) == []
    assert "last 2 steps" in compare(band, _run(ours[:2] + [1.0, 0.6]), _run(theirs))[0]


if __name__ == "__main__":  # python tests/test_pytorch_corpus.py [names]: a status table
    torch_found = True
    try:
        import torch  # noqa: F401
    except ImportError:
        torch_found = False
    for script in sys.argv[1:] or script_names():
        ran = cached_run(script, "tinygrad_bn")
        if ran.returncode != 0:
            status = "FAILS: " + ran.failure().splitlines()[-1]
        elif torch_found and script in SPECS:
            found = compare(SPECS[script], ran, cached_run(script, "torch"))
            status = "differs: " + found[0] if found else "agrees with PyTorch"
        else:
            status = f"runs ({len(ran.steps)} steps)"
        print(f"{script:22s} {status}")
