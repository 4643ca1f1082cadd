CUDABackend = None
