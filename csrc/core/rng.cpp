#include "core/rng.h"

namespace pdg {

Generator& default_generator() {
    static Generator* g = new Generator();
    return *g;
}

}  // namespace pdg
