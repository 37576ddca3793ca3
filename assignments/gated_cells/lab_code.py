"""The lab's code as the notebook shows it: the reference's own training functions, verbatim, so
that the notebook trains exactly as the claims were checked."""

import inspect

import gated_cells_reference as ref

#: In the order the notebook defines them; each calls only those before it (and the notebook's sigmoid).
FUNCTIONS = ("_blocks", "_check_stacked", "lstm_gates", "latching_batch", "_logistic_readout", "init_rnn",
             "rnn_loss_and_gradients", "init_lstm", "lstm_loss_and_gradients", "clip_by_global_norm")
MODELS = 'MODELS = {"rnn": (init_rnn, rnn_loss_and_gradients), "lstm": (init_lstm, lstm_loss_and_gradients)}'


def model_code():
    """The functions of the two models and their gradients, as one block of source."""
    return "\n\n".join(inspect.getsource(getattr(ref, name)).rstrip() for name in FUNCTIONS) + "\n\n\n" + MODELS


def training_code():
    return inspect.getsource(ref.train).rstrip()
