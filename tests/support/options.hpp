// The command line of the test tools (chatsim, chatload and the benchmarks): options with their
// help, --help, and a usage message on a bad option or value.
// Thread-safety: used from main only.
#pragma once

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace chatd::bench {

// A tool's options: each with its value's name and its help, parsed from argv.
class Options {
 public:
  Options(std::string program, std::string purpose) : program_(std::move(program)), purpose_(std::move(purpose)) {}

  void add(std::string name, std::string value, std::string help, std::function<void(const std::string&)> set) {
    options_.push_back(Option{std::move(name), std::move(value), std::move(help), std::move(set), nullptr});
  }
  void flag(std::string name, std::string help, std::function<void()> set) {
    options_.push_back(Option{std::move(name), "", std::move(help), nullptr, std::move(set)});
  }

  // Parses argv[first..]: -1 when the benchmark should run, else the exit code (0 after --help,
  // which printed the usage; 2 after a bad option or value, with the usage on stderr).
  int parse(int argc, char** argv, int first = 1) const {
    for (int i = first; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cout << usage();
        return 0;
      }
      const Option* o = find(arg);
      if (!o) return fail("unknown option " + arg);
      if (o->on_flag) {
        o->on_flag();
        continue;
      }
      if (i + 1 >= argc) return fail(arg + " needs a value (" + o->value + ")");
      try {
        o->on_value(argv[++i]);
      } catch (const std::exception&) {
        return fail("bad value '" + std::string(argv[i]) + "' for " + arg + " (" + o->value + ")");
      }
    }
    return -1;
  }

  std::string usage() const {
    std::string out = "usage: " + program_ + " [options]\n" + purpose_ + "\n\noptions:\n";
    for (const Option& o : options_) {
      std::string left = "  " + o.name + (o.value.empty() ? "" : " " + o.value);
      out += left + std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') + o.help + "\n";
    }
    return out + "  --help                  this text\n";
  }

 private:
  struct Option {
    std::string name, value, help;
    std::function<void(const std::string&)> on_value;
    std::function<void()> on_flag;
  };
  const Option* find(const std::string& name) const {
    for (const Option& o : options_)
      if (o.name == name) return &o;
    return nullptr;
  }
  int fail(const std::string& why) const {
    std::cerr << program_ << ": " << why << "\n\n" << usage();
    return 2;
  }

  std::string program_, purpose_;
  std::vector<Option> options_;
};

}  // namespace chatd::bench
