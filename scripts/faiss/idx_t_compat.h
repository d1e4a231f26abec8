// faiss 1.7.3 (Debian bookworm's libfaiss-dev) declares idx_t inside faiss::Index only;
// faiss-node's faiss.cc uses faiss::idx_t (added in faiss 1.7.4). Force-included before it.
#pragma once
#include <faiss/Index.h>
namespace faiss {
using idx_t = Index::idx_t;
}
