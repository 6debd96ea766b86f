// scopemia launch --nproc N [--master-port P] -- <scopemia command and its arguments>
#include "cli/launch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "core/error.h"
#include "core/runtime.h"

extern char** environ;

namespace scopemia::cli {
namespace {

// What the signal handler sees: the running children and the last signal.
constexpr int kMaxProcesses = 1024;
std::atomic<pid_t> g_children[kMaxProcesses];
std::atomic<int> g_child_count{0};
volatile sig_atomic_t g_signal = 0;
std::atomic<bool> g_launch_running{false};

static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler reads pids");

extern "C" void forward_signal(int sig) {
  g_signal = sig;
  const int n = g_child_count.load();
  for (int i = 0; i < n; ++i) {
    const pid_t pid = g_children[i].load();
    if (pid > 0) kill(pid, sig);
  }
}

std::string errno_text() { return std::strerror(errno); }

// Exit code as a shell reports it: 128 + signal for a killed process.
int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// argv / envp arrays built before fork: after fork in a threaded process the
// child may only make async-signal-safe calls.
struct CStrings {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
  void finish() {
    pointers.clear();
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
};

CStrings environment_for(int rank, int nproc, int port) {
  static const char* kOurs[] = {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  CStrings env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(std::begin(kOurs), std::end(kOurs), name) == std::end(kOurs)) env.strings.push_back(entry);
  }
  env.strings.push_back("RANK=" + std::to_string(rank));
  env.strings.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.strings.push_back("WORLD_SIZE=" + std::to_string(nproc));
  env.strings.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
  env.strings.push_back("MASTER_ADDR=127.0.0.1");
  env.strings.push_back("MASTER_PORT=" + std::to_string(port));
  env.finish();
  return env;
}

// The signal handlers of launch, restored when it returns.
class SignalForwarding {
 public:
  SignalForwarding() {
    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalForwarding() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

pid_t spawn(const std::string& executable, CStrings& argv, CStrings& env) {
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid != 0) return pid;  // parent (or -1)
  // Child: default signal handling, unblocked; die with the launcher.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(128 + SIGTERM);
  execve(executable.c_str(), argv.pointers.data(), env.pointers.data());
  const char prefix[] = "scopemia launch: cannot execute ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, executable.c_str(), executable.size());
  (void)!write(2, "\n", 1);
  _exit(127);
}

}  // namespace

int free_local_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket: " + errno_text());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = errno_text();
    close(fd);
    throw std::runtime_error("cannot find a free port on 127.0.0.1: " + why);
  }
  close(fd);
  return ntohs(addr.sin_port);
}

int launch(const LaunchOptions& o, std::ostream& err) {
  if (o.nproc < 1 || o.nproc > kMaxProcesses)
    throw InputError("--nproc must be in [1, " + std::to_string(kMaxProcesses) + "]");
  if (o.master_port < 0 || o.master_port > 65535) throw InputError("--master-port must be in [1, 65535]");
  if (g_launch_running.exchange(true)) throw std::runtime_error("launch is already running in this process");
  struct Done {
    ~Done() {
      g_child_count = 0;
      g_signal = 0;
      g_launch_running = false;
    }
  } done;
  const int port = o.master_port > 0 ? o.master_port : free_local_port();

  // argv[0]: the program's own path when it re-executes itself.
  std::string argv0 = o.executable;
  if (o.executable == "/proc/self/exe") {
    char buffer[4096];
    const ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n > 0) argv0.assign(buffer, static_cast<size_t>(n));
  }
  CStrings argv;
  argv.strings.push_back(argv0);
  argv.strings.insert(argv.strings.end(), o.args.begin(), o.args.end());
  argv.finish();

  SignalForwarding forwarding;
  std::vector<pid_t> pids;
  std::vector<bool> running;
  int first_failure = 0;
  bool stopping = false;
  auto kill_deadline = std::chrono::steady_clock::time_point::max();
  auto stop_all = [&](int sig) {
    for (size_t i = 0; i < pids.size(); ++i)
      if (running[i]) kill(pids[i], sig);
  };
  auto begin_stop = [&] {
    if (stopping) return;
    stopping = true;
    stop_all(SIGTERM);
    kill_deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(1000 * o.grace_seconds));
  };

  for (int rank = 0; rank < o.nproc && !g_signal; ++rank) {
    CStrings env = environment_for(rank, o.nproc, port);
    const pid_t pid = spawn(o.executable, argv, env);
    if (pid < 0) {
      err << "scopemia launch: cannot start rank " << rank << ": " << errno_text() << "\n";
      first_failure = 1;
      break;
    }
    pids.push_back(pid);
    running.push_back(true);
    g_children[rank] = pid;
    g_child_count = rank + 1;
  }
  spdlog::debug("launch: {} processes of {}, rendezvous 127.0.0.1:{}", pids.size(), argv0, port);
  if (first_failure != 0 || g_signal) begin_stop();

  size_t alive = pids.size();
  while (alive > 0) {
    int failed_rank = -1;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (!running[i]) continue;
      int status = 0;
      const pid_t r = waitpid(pids[i], &status, WNOHANG);
      if (r == 0) continue;
      if (r < 0 && errno == EINTR) continue;
      running[i] = false;
      g_children[i] = -1;
      --alive;
      const int code = r < 0 ? 1 : exit_code(status);
      if (code != 0 && first_failure == 0) {
        first_failure = code;
        failed_rank = static_cast<int>(i);
      }
    }
    if (failed_rank >= 0) {
      if (!g_signal && alive > 0)
        err << "scopemia launch: rank " << failed_rank << " exited with code " << first_failure
            << "; stopping the other ranks\n";
      begin_stop();
    }
    if (g_signal && !stopping) {
      // The handler passed the signal on; give the processes the grace period.
      stopping = true;
      kill_deadline = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(static_cast<int64_t>(1000 * o.grace_seconds));
    }
    if (alive > 0 && std::chrono::steady_clock::now() > kill_deadline) {
      stop_all(SIGKILL);
      kill_deadline = std::chrono::steady_clock::time_point::max();
    }
    if (alive > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (first_failure == 0 && g_signal) first_failure = 128 + g_signal;
  return first_failure;
}

namespace {

struct LaunchCommandOptions {
  int nproc = 0;
  int master_port = 0;
  std::vector<std::string> command;
};

int run_launch(const LaunchCommandOptions& o, Context& ctx) {
  if (o.command.empty()) throw InputError("launch: no command given (scopemia launch --nproc N -- train ...)");
  if (o.command.front() == "launch") throw InputError("launch: the launched command cannot be `launch`");
  LaunchOptions options;
  options.nproc = o.nproc;
  options.master_port = o.master_port;
  // The processes share the cores: unless the command says otherwise, each
  // gets --threads (the launcher's own --threads, or cores / N).
  const bool has_threads = std::any_of(o.command.begin(), o.command.end(), [](const std::string& a) {
    return a == "--threads" || a.rfind("--threads=", 0) == 0;
  });
  if (!has_threads) {
    const int threads = ctx.threads > 0 ? ctx.threads : std::max(1, hardware_threads() / std::max(1, o.nproc));
    options.args = {"--threads", std::to_string(threads)};
  }
  options.args.insert(options.args.end(), o.command.begin(), o.command.end());
  return launch(options, ctx.err);
}

}  // namespace

Command add_launch_command(CLI::App& parent) {
  auto o = std::make_shared<LaunchCommandOptions>();
  CLI::App* app = parent.add_subcommand(
      "launch", "Run a command as N data-parallel processes on this machine (sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
  app->add_option("--nproc", o->nproc, "Number of processes")->required()->check(CLI::Range(1, kMaxProcesses));
  app->add_option("--master-port", o->master_port, "Rendezvous port on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(1, 65535));
  // The command: its first word lands in `command`, the rest (options
  // included) in remaining(), in order. After --, nothing is launch's.
  app->add_option("command", o->command, "The scopemia command and its arguments (after --)")->required();
  app->prefix_command();
  app->footer("Each process runs `scopemia [--threads T] <command>`; T is cores / N unless the command sets --threads.\n"
              "Exit code: the first non-zero exit code of a process (the others are then stopped).");
  return {app, [o, app](Context& ctx) {
            for (const auto& a : app->remaining()) o->command.push_back(a);
            return run_launch(*o, ctx);
          }};
}

}  // namespace scopemia::cli
