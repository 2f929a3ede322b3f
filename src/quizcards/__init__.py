"""quizcards: spaced-repetition quizzes for PyTorch and Python that run the code."""

__version__ = "0.1.0"
