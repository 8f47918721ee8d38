"""The course experiments behind ``nnrecog train`` and ``nnrecog reconstruct`` (MLP, CNN, autoencoder)."""
