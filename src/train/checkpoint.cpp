#include "train/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include <ATen/CPUGeneratorImpl.h>

#include "core/atomic_file.h"
#include "core/error.h"

namespace scopemia::train {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kFormat = 1;

at::Generator cpu_generator() { return at::detail::getDefaultCPUGenerator(); }

std::string read_string(torch::serialize::InputArchive& a, const std::string& key, const std::string& path) {
  c10::IValue v;
  if (!a.try_read(key, v) || !v.isString()) throw InputError(path, "not a scopemia checkpoint (no '" + key + "')");
  return v.toStringRef();
}

int64_t read_int(torch::serialize::InputArchive& a, const std::string& key, const std::string& path) {
  c10::IValue v;
  if (!a.try_read(key, v) || !v.isInt()) throw InputError(path, "not a scopemia checkpoint (no '" + key + "')");
  return v.toInt();
}

void open(torch::serialize::InputArchive& archive, const std::string& path) {
  if (!fs::is_regular_file(path)) throw InputError(path, "no such checkpoint");
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw InputError(path, "cannot read the checkpoint (damaged or not a checkpoint)");
  }
  if (read_int(archive, "scopemia_checkpoint", path) != kFormat)
    throw InputError(path, "checkpoint format not supported by this build");
}

CheckpointInfo read_info(torch::serialize::InputArchive& a, const std::string& path) {
  CheckpointInfo info;
  info.config_yaml = read_string(a, "config_yaml", path);
  info.preprocess = read_string(a, "preprocess", path);
  info.outputs = read_int(a, "outputs", path);
  info.progress.global_step = read_int(a, "global_step", path);
  info.progress.epoch = read_int(a, "epoch", path);
  info.progress.position = read_int(a, "position", path);
  return info;
}

// Module::load reads what the module has and ignores the rest: a checkpoint
// of a bigger model would load silently. Every key must belong to the model.
void check_no_extra_keys(torch::serialize::InputArchive& archive, torch::nn::Module& module,
                         const std::string& prefix, const std::string& path) {
  std::set<std::string> expected{"training"};  // every scripted module's attribute
  for (const auto& p : module.named_parameters(false)) expected.insert(p.key());
  for (const auto& b : module.named_buffers(false)) expected.insert(b.key());
  for (const auto& c : module.named_children()) expected.insert(c.key());
  for (const auto& key : archive.keys())
    if (!expected.count(key))
      throw InputError(path, "the checkpoint holds '" + prefix + key +
                                 "', which the model built from its configuration lacks");
  for (const auto& c : module.named_children()) {
    torch::serialize::InputArchive sub;
    if (archive.try_read(c.key(), sub)) check_no_extra_keys(sub, *c.value(), prefix + c.key() + ".", path);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, ScopeModelImpl& model, torch::optim::Optimizer* optimizer,
                     const CheckpointInfo& info, const std::function<void(const std::string&)>& before_commit) {
  torch::serialize::OutputArchive archive;
  archive.write("scopemia_checkpoint", c10::IValue(kFormat));
  archive.write("config_yaml", c10::IValue(info.config_yaml));
  archive.write("preprocess", c10::IValue(info.preprocess));
  archive.write("outputs", c10::IValue(info.outputs));
  archive.write("global_step", c10::IValue(info.progress.global_step));
  archive.write("epoch", c10::IValue(info.progress.epoch));
  archive.write("position", c10::IValue(info.progress.position));
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
    auto gen = cpu_generator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    archive.write("torch_rng_state", gen.get_state());
  }
  const fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  // Serialised in memory first: libtorch's file writer finishes the zip in
  // its destructor, and on a full disk that throws from the destructor, which
  // terminates the process with a c10 backtrace. Memory cannot fail that way;
  // the file write below reports a full disk as one line.
  std::ostringstream bytes;
  try {
    archive.save_to(bytes);
  } catch (const c10::Error& e) {
    throw InputError(path, std::string("cannot serialise the checkpoint: ") + e.what_without_backtrace());
  }
  const std::string content = bytes.str();
  AtomicOutput out(target);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) throw InputError(path, "cannot open the checkpoint for writing");
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.close();
    if (!f) throw InputError(path, "write failed (disk full?)");
  }
  if (before_commit) before_commit(out.temp_path().string());
  out.commit();
}

CheckpointInfo load_checkpoint(const std::string& path, ScopeModelImpl& model, torch::optim::Optimizer* optimizer) {
  torch::serialize::InputArchive archive;
  open(archive, path);
  CheckpointInfo info = read_info(archive, path);
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read("model", model_archive)) throw InputError(path, "checkpoint has no model");
  check_no_extra_keys(model_archive, model, "", path);
  try {
    model.load(model_archive);
  } catch (const c10::Error& e) {
    throw InputError(path, "the checkpoint's weights do not fit the model built from its configuration");
  }
  if (optimizer) {
    torch::serialize::InputArchive optimizer_archive;
    if (!archive.try_read("optimizer", optimizer_archive))
      throw InputError(path, "checkpoint has no optimizer state (cannot resume training from it)");
    try {
      optimizer->load(optimizer_archive);
    } catch (const c10::Error& e) {
      throw InputError(path, "the checkpoint's optimizer state does not fit this model");
    }
    torch::Tensor state;
    if (archive.try_read("torch_rng_state", state)) {
      auto gen = cpu_generator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_state(state);
    }
  }
  return info;
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  torch::serialize::InputArchive archive;
  open(archive, path);
  return read_info(archive, path);
}

std::string resolve_checkpoint(const std::string& file_or_dir) {
  if (fs::is_directory(file_or_dir)) {
    const fs::path p = fs::path(file_or_dir) / "checkpoint.pt";
    if (!fs::is_regular_file(p)) throw InputError(file_or_dir, "no checkpoint.pt in this folder");
    return p.string();
  }
  if (!fs::is_regular_file(file_or_dir)) throw InputError(file_or_dir, "no such checkpoint");
  return file_or_dir;
}

LoadedModel load_model_from_checkpoint(const std::string& file_or_dir) {
  const std::string path = resolve_checkpoint(file_or_dir);
  LoadedModel r;
  r.info = read_checkpoint_info(path);
  r.config = parse_config(r.info.config_yaml, path + " (its configuration)");
  r.model = ScopeModel(r.config, r.info.outputs);
  load_checkpoint(path, *r.model, nullptr);
  r.model->eval();
  return r;
}

}  // namespace scopemia::train
