import { parseReplayArguments } from "./replay-dead-letters";

describe("the replay-dead-letters command line", () => {
  it("reads the service, consumer, filter, dry run and actor", () => {
    const args = parseReplayArguments([
      "--service",
      "bulletins",
      "--consumer",
      "deliveries",
      "--type",
      "jinlian.bulletins.bulletin.published.v1",
      "--key",
      "k",
      "--from",
      "2026-11-01T00:00:00+08:00",
      "--until",
      "2026-12-01T00:00:00+08:00",
      "--dry-run",
      "--actor",
      "ops",
    ]);
    expect(args).toEqual({
      service: "bulletins",
      consumer: "deliveries",
      filter: {
        type: "jinlian.bulletins.bulletin.published.v1",
        key: "k",
        from: new Date("2026-10-31T16:00:00Z"),
        until: new Date("2026-11-30T16:00:00Z"),
      },
      dryRun: true,
      actor: "ops",
    });
  });

  it("refuses a missing service, an unknown flag, an unreadable time and an empty period, naming the flag", () => {
    expect(() => parseReplayArguments([])).toThrow(/--service is required/);
    expect(() => parseReplayArguments(["--service", "bulletins", "--replay-all"])).toThrow(/replay-all/);
    expect(() => parseReplayArguments(["--service", "bulletins", "--from", "yesterday"])).toThrow(/--from must be an ISO 8601 time/);
    expect(() => parseReplayArguments(["--service", "b", "--from", "2026-12-01T00:00:00Z", "--until", "2026-11-01T00:00:00Z"])).toThrow(
      /--until must be after --from/,
    );
  });
});
