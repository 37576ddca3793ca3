# %% [markdown]
# # A fixture covering every solution marker

# %%
def area(width, height):
    """Area of a rectangle (both arguments are floats)."""
    # BEGIN SOLUTION
    product = width * height
    return product
    # END SOLUTION

# %%
answer = 42  # SOLUTION
untouched = 7  # a comment that is not a marker

# %% [markdown]
# Explain your answer.
#
# <!-- BEGIN SOLUTION -->
# The model answer, which students never see.
# <!-- END SOLUTION -->

# %%
grader.check("area")
