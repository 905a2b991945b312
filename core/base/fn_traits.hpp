// Param<Fn, I>: the type of the I-th parameter of the function Fn (cv and reference removed), so
// that a registry taking handlers by address (`registry.add<&handler>()`) learns what they handle.
// Thread-safety: compile-time only.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace chatd {

template <class F, std::size_t I>
struct ParamOf;
template <class R, class... A, std::size_t I>
struct ParamOf<R (*)(A...), I> {
  using type = std::remove_cvref_t<std::tuple_element_t<I, std::tuple<A...>>>;
};
template <auto Fn, std::size_t I>
using Param = typename ParamOf<decltype(Fn), I>::type;

}  // namespace chatd
