"""Returns the gate tolerance ** (1 / steps) itself, not its logit.
hint: gate_not_bias
severity: math
"""


def forget_bias_for_memory(steps, tolerance):
    return tolerance ** (1.0 / steps)
