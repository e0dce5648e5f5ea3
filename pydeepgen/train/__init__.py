"""Training loops with progress bars, logs, checkpoints, resume and clean interruption.

``Trainer`` is the shared loop (subclass it: the autoencoder/VAE/diffusion trainers do);
``SupervisedTrainer`` trains classifiers and regressors; ``GANTrainer`` trains GANs.
"""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .gan import GANTrainer
from .logs import EpochLogger, plot_curves, save_sample_grid
from .supervised import SupervisedTrainer, evaluate, make_optimizer
from .trainer import Trainer, TrainingDiverged, as_arrays

__all__ = ["Trainer", "TrainingDiverged", "SupervisedTrainer", "GANTrainer", "evaluate",
           "make_optimizer", "as_arrays", "save_checkpoint", "load_checkpoint", "CheckpointError", "EpochLogger",
           "plot_curves", "save_sample_grid"]
