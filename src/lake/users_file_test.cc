#include "lake/users_file.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include "lake/event_file_writer.h"
#include "lake/lake_test_util.h"
#include "lake/layout.h"
#include "lake/local_storage.h"

namespace swell::lake {
namespace {

using Users = std::vector<std::pair<uint32_t, std::string>>;

class UsersFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(LocalStorage::Open(dir_.path() + "/lake", &store_).ok()); }

  // Writes a part of app's dictionary and describes it as the manifest would.
  LakeFile Part(const std::string& app, uint32_t first, std::vector<std::string_view> keys) {
    LakeFile f;
    f.kind = FileKind::kUsers;
    f.app_id = app;
    EXPECT_TRUE(UsersFileKey(app, PartFileName(NewPartId()), &f.key).ok());
    std::string staged = dir_.path() + "/staged.parquet";
    Status s = WriteUsersFile(staged, first, keys, &f.size);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(store_->PutFile(f.key, staged).ok());
    f.rows = keys.size();
    return f;
  }

  testing::ScratchDir dir_;
  std::unique_ptr<LocalStorage> store_;
};

TEST_F(UsersFileTest, RoundTrip) {
  std::vector<std::string> owned;
  for (int i = 0; i < 5000; ++i) owned.push_back((i % 3 ? "u:" : "d:") + std::to_string(i) + (i % 7 ? "" : "-ünï 日本"));
  owned.push_back("u:");
  owned.push_back(std::string("u:nul\0byte", 10));
  std::vector<std::string_view> keys(owned.begin(), owned.end());
  LakeFile f = Part("web", 1000, keys);
  struct stat st;
  ASSERT_EQ(::stat((dir_.path() + "/lake/" + f.key).c_str(), &st), 0);
  EXPECT_EQ(f.size, static_cast<uint64_t>(st.st_size));

  Users users;
  Status s = ReadUsersFile(store_.get(), f.key, &users);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(users.size(), owned.size());
  for (size_t i = 0; i < owned.size(); ++i) {
    EXPECT_EQ(users[i].first, 1000 + i);
    EXPECT_EQ(users[i].second, owned[i]);
  }

  LakeFile empty = Part("web", 7, {});
  ASSERT_TRUE(ReadUsersFile(store_.get(), empty.key, &users).ok());
  EXPECT_TRUE(users.empty());
}

TEST_F(UsersFileTest, RefusesNumbersBeyondInt32) {
  uint64_t size;
  std::vector<std::string_view> two = {"u:a", "u:b"};
  std::string path = dir_.path() + "/x.parquet";
  EXPECT_TRUE(WriteUsersFile(path, kMaxUserNumber, two, &size).IsInvalidArgument());
  EXPECT_TRUE(WriteUsersFile(path, 0xffffffff, two, &size).IsInvalidArgument());
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  std::vector<std::string_view> one = {"u:a"};
  ASSERT_TRUE(WriteUsersFile(path, kMaxUserNumber, one, &size).ok());
  ASSERT_TRUE(store_->PutFile("users/app_id=a/last.parquet", path).ok());
  Users users;
  ASSERT_TRUE(ReadUsersFile(store_.get(), "users/app_id=a/last.parquet", &users).ok());
  EXPECT_EQ(users, (Users{{kMaxUserNumber, "u:a"}}));
}

TEST_F(UsersFileTest, RefusesOtherFiles) {
  EventsSchema schema;
  ASSERT_TRUE(EventsSchema::Make({}, &schema).ok());
  std::string path = dir_.path() + "/e.parquet";
  EventFileInfo info;
  ASSERT_TRUE(WriteEventFile(path, schema, {}, {}, {}, &info).ok());
  ASSERT_TRUE(store_->PutFile("events/e.parquet", path).ok());
  Users users;
  Status s = ReadUsersFile(store_.get(), "events/e.parquet", &users);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_TRUE(store_->Put("users/junk.parquet", "junk junk junk junk").ok());
  EXPECT_FALSE(ReadUsersFile(store_.get(), "users/junk.parquet", &users).ok());
  EXPECT_TRUE(ReadUsersFile(store_.get(), "users/missing.parquet", &users).IsNotFound());
}

TEST_F(UsersFileTest, TheDictionaryIsTheUnionOfTheParts) {
  ManifestEdit edit;
  edit.add.push_back(Part("web", 0, {"u:alice", "d:device-7"}));
  edit.add.push_back(Part("web", 2, {"u:bob"}));
  edit.add.push_back(Part("other", 0, {"u:zed"}));
  uint64_t version = 0;
  ASSERT_TRUE(Manifest::Commit(store_.get(), 0, edit, &version).ok());
  Snapshot snap;
  ASSERT_TRUE(Manifest::Load(store_.get(), &snap).ok());
  std::vector<std::string> keys;
  Status s = ReadUserDictionary(store_.get(), snap, "web", &keys);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(keys, (std::vector<std::string>{"u:alice", "d:device-7", "u:bob"}));
  ASSERT_TRUE(ReadUserDictionary(store_.get(), snap, "none", &keys).ok());
  EXPECT_TRUE(keys.empty());

  // A gap, a number given twice, a key numbered twice: Corruption.
  for (auto bad : std::vector<std::pair<uint32_t, std::vector<std::string_view>>>{
           {4, {"u:carol"}}, {2, {"u:carol"}}, {3, {"u:alice"}}}) {
    ManifestEdit e;
    e.add.push_back(Part("web", bad.first, bad.second));
    ASSERT_TRUE(Manifest::Commit(store_.get(), snap.version, e, &version).ok());
    Snapshot next;
    ASSERT_TRUE(Manifest::Load(store_.get(), &next).ok());
    EXPECT_TRUE(ReadUserDictionary(store_.get(), next, "web", &keys).IsCorruption()) << bad.first;
    ManifestEdit undo;
    undo.remove.push_back(e.add[0].key);
    ASSERT_TRUE(Manifest::Commit(store_.get(), next.version, undo, &version).ok());
    ASSERT_TRUE(Manifest::Load(store_.get(), &snap).ok());
  }
}

}  // namespace
}  // namespace swell::lake
