"""Python wrappers of the C++ kernels: one module per op family, each defining autograd
Functions whose forward and backward call the family's C++ kernels."""
