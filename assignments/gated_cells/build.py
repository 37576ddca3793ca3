"""This assignment's build hooks, the builder's one interface to it (builder.config describes it)."""

from . import claims, lab_code
from . import public_data as public


def facts(parameters):
    """The numbers and claims of the notebook's prose, the model answer and the guide; raises
    claims.ClaimError (a ValueError) naming every sentence that is false for these parameters."""
    return {**claims.values(parameters), "lab_models": lab_code.model_code(), "lab_training": lab_code.training_code()}


def public_inputs(parameters):
    """Inputs and expected answers of the public test cases (numbers only reach students)."""
    return public.public_data()
