#!/usr/bin/env python3
"""Builds the emulated CUDA driver: .build/cuda-emulator/libcuda.so.1.

Each kernel file of Sources/BlendCUDA/Kernels/cuda is compiled as host C++ with shim.h forced in
first, after three mechanical changes to a copy: the two inline-PTX half conversions of
common.cuh become the CPU engine's bit-exact C conversions, `extern __shared__` arrays point at
the emulator's dynamic shared memory, and every kernel is registered by name. driver.cpp provides
the driver API. With the folder on LD_LIBRARY_PATH, dlopen("libcuda.so.1") finds it, and the
CUDA engine and its GPU tests run on the CPU (slowly: every CUDA thread is a fiber).

Usage: Scripts/cuda-emulator/build.py [output-folder]   (needs clang++ or c++; about 20 s)
"""
import os
import re
import shutil
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
kernels = os.path.join(root, 'Sources', 'BlendCUDA', 'Kernels', 'cuda')
output = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, '.build', 'cuda-emulator'))
sources = os.path.join(output, 'kernels')
compiler = shutil.which('clang++') or shutil.which('c++')
if not compiler:
    sys.exit('cuda-emulator: no C++ compiler (clang++ or c++) on PATH')

HALF_CONVERSIONS = r'''
__device__ __forceinline__ float half_to_float(u16 h) {
    u32 sign = (u32)(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1Fu, mantissa = h & 0x3FFu;
    if (exponent == 0x1F) return __uint_as_float(sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0));
    if (exponent == 0) {
        if (mantissa == 0) return __uint_as_float(sign);
        u32 shifts = 0;
        while (!(mantissa & 0x400u)) { mantissa <<= 1; shifts++; }
        return __uint_as_float(sign | ((113u - shifts) << 23) | ((mantissa & 0x3FFu) << 13));
    }
    return __uint_as_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

__device__ __forceinline__ u16 float_to_half(float f) {
    u32 x;
    memcpy(&x, &f, 4);
    u16 sign = (u16)((x >> 16) & 0x8000u);
    u32 ax = x & 0x7FFFFFFFu;
    if (ax > 0x7F800000u) return (u16)(sign | 0x7E00u | ((ax >> 13) & 0x3FFu));
    if (ax >= 0x477FF000u) return (u16)(sign | 0x7C00u);
    if (ax >= 0x38800000u) {
        u32 h = (ax >> 13) - (112u << 10), rest = ax & 0x1FFFu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
        return (u16)(sign | h);
    }
    if (ax <= 0x33000000u) return sign;
    u32 significand = (ax & 0x7FFFFFu) | 0x800000u, shift = 126u - (ax >> 23);
    u32 q = significand >> shift, rest = significand & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (q & 1u))) q++;
    return (u16)(sign | q);
}
'''

shutil.rmtree(sources, ignore_errors=True)
os.makedirs(sources)
for name in sorted(os.listdir(kernels)):
    with open(os.path.join(kernels, name)) as f:
        text = f.read()
    if name == 'common.cuh':
        text, count = re.subn(r'__device__ __forceinline__ float half_to_float\(u16 h\) \{.*?\n\}\n\n'
                              r'(// .*?\n)*__device__ __forceinline__ u16 float_to_half\(float f\) \{.*?\n\}\n',
                              HALF_CONVERSIONS, text, flags=re.S)
        if count != 1 or 'asm' in text:
            sys.exit('cuda-emulator: common.cuh no longer has the two half conversions this script replaces')
    text = re.sub(r'extern __shared__ (\w+) (\w+)\[\];', r'\1 *\2 = (\1 *)emu_dynamic_shared;', text)
    if name.endswith('.cu'):
        names = re.findall(r'extern "C" __global__ void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\(', text)
        names += re.findall(r'^\w+\((\w+), T_\w+\)$', text, flags=re.M)
        names = [n for n in names if n not in ('name', '__launch_bounds__')]
        text += '\n' + '\n'.join('EMU_REGISTER(%s)' % n for n in names) + '\n'
    with open(os.path.join(sources, name), 'w') as f:
        f.write(text)

flags = ['-std=c++20', '-O2', '-fPIC', '-ffp-contract=off', '-Wno-unknown-pragmas']
objects = []
for name in sorted(os.listdir(sources)):
    if name.endswith('.cu'):
        obj = os.path.join(sources, name + '.o')
        subprocess.check_call([compiler] + flags + ['-include', os.path.join(here, 'shim.h'), '-x', 'c++',
                                                    os.path.join(sources, name), '-c', '-o', obj])
        objects.append(obj)
library = os.path.join(output, 'libcuda.so.1')
subprocess.check_call([compiler] + flags + ['-shared', '-I', here, '-o', library, os.path.join(here, 'driver.cpp')] + objects)
print(library)
