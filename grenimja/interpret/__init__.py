"""The paper's analyses: latent space, CpG-stratified adjacency matrices."""
