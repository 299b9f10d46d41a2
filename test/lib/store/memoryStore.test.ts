import { MemoryStore } from "../../../src/store";
import { describeVoucherStore } from "./storeSuite";

describeVoucherStore("MemoryStore", { create: (now) => new MemoryStore({ now }) });
