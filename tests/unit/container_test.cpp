// classify_cgroup on the cgroup paths each container runtime and systemd
// actually produce (systemd and cgroupfs drivers, v1 and v2).
#include "enrich/container.hpp"

#include <gtest/gtest.h>

#include "procfs/process_info.hpp"

namespace sw {
namespace {

const std::string kId = "3f2a9c1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8";

struct Case {
  std::string path, runtime, id, pod, unit;
};

TEST(Container, EachRuntimesCgroupPath) {
  const Case cases[] = {
      {"/system.slice/docker-" + kId + ".scope", "docker", kId, "", "docker-" + kId + ".scope"},
      {"/docker/" + kId, "docker", kId, "", ""},
      {"/machine.slice/libpod-" + kId + ".scope", "podman", kId, "", "libpod-" + kId + ".scope"},
      {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId +
           ".scope/container",
       "podman", kId, "", "libpod-" + kId + ".scope"},
      {"/machine.slice/libpod-conmon-" + kId + ".scope", "podman", kId, "",
       "libpod-conmon-" + kId + ".scope"},
      {"/libpod_parent/libpod-" + kId, "podman", kId, "", ""},
      {"/kubepods.slice/kubepods-burstable.slice/"
       "kubepods-burstable-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/cri-containerd-" +
           kId + ".scope",
       "containerd", kId, "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
       "cri-containerd-" + kId + ".scope"},
      {"/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6789_abcd_ef0123456789.slice/crio-" + kId +
           ".scope",
       "cri-o", kId, "0a1b2c3d-4e5f-6789-abcd-ef0123456789", "crio-" + kId + ".scope"},
      {"/kubepods/besteffort/pod0a1b2c3d-4e5f-6789-abcd-ef0123456789/" + kId, "kubernetes", kId,
       "0a1b2c3d-4e5f-6789-abcd-ef0123456789", ""},
      {"/system.slice/nerdctl-" + kId + ".scope", "containerd", kId, "",
       "nerdctl-" + kId + ".scope"},
      {"/lxc.payload.web1/system.slice/nginx.service", "lxc", "web1", "", "nginx.service"},
      {"/lxc/web2", "lxc", "web2", "", ""},
      {"/machine.slice/systemd-nspawn@deb1.service/payload", "systemd-nspawn", "deb1", "",
       "systemd-nspawn@deb1.service"},
      {"/machine.slice/machine-deb2.scope", "systemd-nspawn", "deb2", "", "machine-deb2.scope"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path);
    auto r = classify_cgroup(c.path);
    EXPECT_EQ(r.runtime, c.runtime);
    EXPECT_EQ(r.id, c.id);
    EXPECT_EQ(r.pod, c.pod);
    EXPECT_EQ(r.unit, c.unit);
    EXPECT_TRUE(r.is_container());
  }
}

TEST(Container, SystemdUnitsAreNotContainers) {
  auto r = classify_cgroup("/system.slice/sshd.service");
  EXPECT_FALSE(r.is_container());
  EXPECT_EQ(r.unit, "sshd.service");
  r = classify_cgroup("/user.slice/user-1000.slice/session-3.scope");
  EXPECT_FALSE(r.is_container());
  EXPECT_EQ(r.unit, "session-3.scope");
  r = classify_cgroup("/");
  EXPECT_FALSE(r.is_container());
  EXPECT_EQ(r.unit, "");
}

TEST(Container, LookalikesAreNotContainers) {
  // Too short or not hex: a unit someone named docker-foo is not a container.
  EXPECT_FALSE(classify_cgroup("/system.slice/docker-foo.scope").is_container());
  EXPECT_FALSE(classify_cgroup("/system.slice/docker.service").is_container());
  EXPECT_FALSE(classify_cgroup("/docker/notanid").is_container());
  EXPECT_FALSE(classify_cgroup("/system.slice/libpod-XYZ.scope").is_container());
  EXPECT_FALSE(classify_cgroup("").is_container());
}

TEST(Container, ShortLabelCutsHexIdsOnly) {
  EXPECT_EQ(classify_cgroup("/docker/" + kId).short_label(), "docker:3f2a9c1b2d4e");
  EXPECT_EQ(classify_cgroup("/lxc/web2").short_label(), "lxc:web2");
  EXPECT_EQ(classify_cgroup("/").short_label(), "");
}

TEST(Container, CgroupFilePicksV2ThenSystemdThenFirst) {
  EXPECT_EQ(cgroup_path_from_proc("0::/system.slice/a.service\n"), "/system.slice/a.service");
  EXPECT_EQ(cgroup_path_from_proc("12:cpu,cpuacct:/x\n1:name=systemd:/system.slice/b.service\n"
                                  "0::/\n"),
            "/");
  EXPECT_EQ(cgroup_path_from_proc("12:cpu,cpuacct:/x\n1:name=systemd:/system.slice/b.service\n"),
            "/system.slice/b.service");
  EXPECT_EQ(cgroup_path_from_proc("4:memory:/docker/abc\n"), "/docker/abc");
  // A path with ':' in it stays whole.
  EXPECT_EQ(cgroup_path_from_proc("0::/a:b\n"), "/a:b");
  EXPECT_EQ(cgroup_path_from_proc("garbage\n"), "");
  EXPECT_EQ(cgroup_path_from_proc(""), "");
}

}  // namespace
}  // namespace sw
