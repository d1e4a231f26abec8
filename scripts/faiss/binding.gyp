{
  "targets": [
    {
      "target_name": "faiss-node",
      "sources": ["src/faiss.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-fopenmp", "-include <!(node -p \"process.env.FAISS_COMPAT_HEADER\")"],
      "libraries": ["-lfaiss", "-lgomp", "-lblas", "-llapack"]
    }
  ]
}
