"""Metrics: supervised (accuracy, confusion matrix, RMSE, MAE) and generative (FID and TVD on
MNIST with Lipizzaner's classifier, label accuracy of conditional samples; class coverage of
generated 8x8 digits with a small digits classifier)."""

from .classification import accuracy, confusion_matrix, mae, rmse
from .fid import (PROTOCOLS, class_histogram, frechet_distance, gaussian_stats, label_accuracy,
                  load_mnist_u8, mnist_features, mnist_fid, mnist_real_floor, mnist_scores,
                  mnist_tvd, sqrtm_psd,
                  total_variation, trace_sqrt_product)
from .digits import digits_classifier, digits_scores, format_digits_scores
from .elbo import elbo, nll_bound

__all__ = [
    "accuracy", "confusion_matrix", "rmse", "mae",
    "frechet_distance", "gaussian_stats", "sqrtm_psd", "trace_sqrt_product",
    "mnist_features", "mnist_fid", "mnist_tvd", "mnist_scores", "mnist_real_floor",
    "label_accuracy",
    "class_histogram", "total_variation", "load_mnist_u8", "PROTOCOLS", "elbo", "nll_bound",
    "digits_classifier", "digits_scores", "format_digits_scores",
]
