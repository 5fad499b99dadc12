"""chainrule: back-propagation written out by hand, in NumPy.

>>> import chainrule as cr
>>> net = cr.Network([cr.Dense(2, 25, "relu"), cr.Dense(25, 2, "softmax")], seed=0)
"""

from .activations import ACTIVATIONS, Activation
from .explain import Explanation, explain
from .gradcheck import GradcheckReport, TensorCheck, gradcheck
from .io import ModelFileError, load
from .layers import INITIALIZERS, Dense
from .losses import LOSSES, Loss
from .network import Network
from .optim import SGD, Adam, ExponentialDecay, InverseTimeDecay, RMSprop, StepDecay
from .train import Callback, EarlyStopping, History, TrainingError

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "INITIALIZERS",
    "LOSSES",
    "Activation",
    "Adam",
    "Callback",
    "Dense",
    "EarlyStopping",
    "Explanation",
    "ExponentialDecay",
    "GradcheckReport",
    "History",
    "InverseTimeDecay",
    "Loss",
    "ModelFileError",
    "Network",
    "RMSprop",
    "SGD",
    "StepDecay",
    "TensorCheck",
    "TrainingError",
    "explain",
    "gradcheck",
    "load",
]
