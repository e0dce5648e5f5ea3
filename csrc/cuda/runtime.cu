// CUDA runtime probe and the first CUDA kernel (the skeleton the CUDA backend
// grows from). cudart is linked statically, so this file loads on machines
// without a driver; cuda_runtime_status() explains what is missing.
#include <cuda_runtime.h>

#include <string>

namespace pdg {

std::string cuda_runtime_status(int* device_count) {
    *device_count = 0;
    int n = 0;
    const cudaError_t err = cudaGetDeviceCount(&n);
    if (err == cudaErrorNoDevice) return "CUDA compiled in, but no CUDA device was found";
    if (err == cudaErrorInsufficientDriver)
        return "CUDA compiled in, but the NVIDIA driver is missing or too old for this CUDA runtime";
    if (err != cudaSuccess) return std::string("CUDA compiled in, but the runtime failed: ") + cudaGetErrorString(err);
    *device_count = n;
    return "";
}

// out[i] = a[i] + b[i]; one thread per element, grid-stride loop.
__global__ void add_f32_kernel(float* out, const float* a, const float* b, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x)
        out[i] = a[i] + b[i];
}

// Round trip host -> device -> add -> host; used by the CUDA smoke test.
std::string cuda_add_selftest(const float* a, const float* b, float* out, long long n) {
    float *da = nullptr, *db = nullptr, *dout = nullptr;
    const size_t bytes = size_t(n) * sizeof(float);
    cudaError_t err = cudaMalloc(&da, bytes);
    if (err == cudaSuccess) err = cudaMalloc(&db, bytes);
    if (err == cudaSuccess) err = cudaMalloc(&dout, bytes);
    if (err == cudaSuccess) err = cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice);
    if (err == cudaSuccess) err = cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice);
    if (err == cudaSuccess) {
        const int threads = 256;
        const int blocks = int((n + threads - 1) / threads < 4096 ? (n + threads - 1) / threads : 4096);
        add_f32_kernel<<<blocks > 0 ? blocks : 1, threads>>>(dout, da, db, n);
        err = cudaGetLastError();
    }
    if (err == cudaSuccess) err = cudaMemcpy(out, dout, bytes, cudaMemcpyDeviceToHost);
    cudaFree(da);
    cudaFree(db);
    cudaFree(dout);
    return err == cudaSuccess ? "" : cudaGetErrorString(err);
}

}  // namespace pdg
