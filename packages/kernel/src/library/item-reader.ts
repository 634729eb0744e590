import { createHash } from "node:crypto";
import type { SigningKey } from "@kiwi/keys";
import { declaredField } from "../integrity/declared-field";
import { type IntegrityVerifier, signPayload, type VerifiedSignature } from "../integrity/item-integrity";
import { formatSignatureLine, type SplitResult, splitSignature } from "../integrity/signature-line";
import type { SignedPayload } from "../integrity/signed-message";
import {
  attachmentsWithoutIo,
  type ModuleStamp,
  moduleUnchanged,
  toolAttachments,
  toolAttachmentsStamped,
} from "../integrity/tool-attachments";
import type { ItemType } from "../items/item-type";
import type { Limits } from "../limits";
import type { ItemFile, ItemSource } from "../spaces/item-source";
import { type ParsedItem, parseItemBody } from "./parse-item";
import type { VerificationCache, VerificationCacheQuery } from "./verification-cache";

/** An item read from a space: its bytes, signature line and parsed content. */
export interface ItemRecord {
  readonly itemType: ItemType;
  readonly id: string;
  readonly category: string;
  readonly space: ItemSource;
  readonly file: ItemFile;
  /** Display path: `<space>:<relPath>`. */
  readonly label: string;
  /** The exact file bytes that were read (signature line included). */
  readonly bytes: Uint8Array;
  readonly split: SplitResult;
  readonly parsed: ParsedItem;
  /** SHA-256 (hex) of the whole file. */
  readonly contentHash: string;
}

/** A verified item: its signature checked against the keyring. */
export interface VerifiedItem extends ItemRecord {
  readonly signature: VerifiedSignature;
  /** True only for items in the bundled core space signed by a core key. */
  readonly core: boolean;
}

export function signHint(itemType: ItemType, id: string): string {
  return `execute(item_type="${itemType}", action="sign", item_id="${id}") or \`kiwi sign ${itemType} ${id}\``;
}

/**
 * Reads items fresh from their space every time (security decisions never use a stale copy) and caches
 * the expensive parse by the file's content hash.
 */
export class ItemReader {
  readonly #parsed = new Map<string, ParsedItem>();
  /**
   * Verified items by the exact bytes object a space returned. Spaces hand back the same object only
   * while the file's identity (inode, size, mtime, ctime) is unchanged, so a hit means "same bytes,
   * already verified". A tool whose module is a path in its space holds that module's stamp too: the
   * hit stands only while the definition still resolves to the same module file, inside the space,
   * with the same identity (the bytes verified with it); otherwise it is verified again, bytes read.
   */
  readonly #verifiedByBytes = new WeakMap<Uint8Array, { item: VerifiedItem; module?: ModuleStamp }>();
  readonly #limits: Limits;
  readonly #verifier: IntegrityVerifier;
  /** What earlier runs proved about unchanged files (parse results, signature checks), if enabled. */
  readonly #cache: VerificationCache | undefined;

  constructor(options: { limits: Limits; verifier: IntegrityVerifier; cache?: VerificationCache }) {
    this.#limits = options.limits;
    this.#verifier = options.verifier;
    this.#cache = options.cache;
  }

  #query(record: Pick<ItemRecord, "file" | "label" | "itemType" | "id" | "category" | "contentHash">) {
    const query: VerificationCacheQuery = {
      location: record.file.location,
      identity: record.file.stamp,
      label: record.label,
      itemType: record.itemType,
      id: record.id,
      category: record.category,
      contentHash: record.contentHash,
    };
    return query;
  }

  /** Reads and parses an item without verifying it (the person's signing path; see `fromBytes`). */
  async read(space: ItemSource, file: ItemFile): Promise<ItemRecord> {
    const bytes = await space.read(file.relPath, this.#limits.maxItemBytes);
    return this.fromBytes(space, file, bytes);
  }

  /**
   * Parses an item's bytes without verifying them: for the person's own writes (create, update, sign),
   * which validate content before signing it. Everything that uses an item goes through `verifyBytes`.
   */
  fromBytes(space: ItemSource, file: ItemFile, bytes: Uint8Array): ItemRecord {
    const label = `${space.name}:${file.relPath}`;
    const contentHash = createHash("sha256").update(bytes).digest("hex");
    return this.#recordOf(space, file, bytes, splitSignature(file.itemType, bytes), label, contentHash);
  }

  #recordOf(
    space: ItemSource,
    file: ItemFile,
    bytes: Uint8Array,
    split: SplitResult,
    label: string,
    contentHash: string,
  ): ItemRecord {
    const cacheKey = `${file.itemType}:${file.id}:${file.category}:${contentHash}`;
    let parsed = this.#parsed.get(cacheKey);
    // Parsed by an earlier run from these very bytes at this very file? Then its result stands.
    if (!parsed && file.stamp) {
      parsed = this.#cache?.parsed(
        this.#query({
          file,
          label,
          itemType: file.itemType,
          id: file.id,
          category: file.category,
          contentHash,
        }),
      );
    }
    if (!parsed) {
      parsed = parseItemBody({
        itemType: file.itemType,
        body: split.body,
        file: label,
        id: file.id,
        category: file.category,
        limits: this.#limits,
      });
      if (this.#parsed.size > 20_000) this.#parsed.clear();
      this.#parsed.set(cacheKey, parsed);
    }
    return {
      itemType: file.itemType,
      id: file.id,
      category: file.category,
      space,
      file,
      label,
      bytes,
      split,
      parsed,
      contentHash,
    };
  }

  async payloadOf(
    record: Pick<ItemRecord, "itemType" | "id" | "category" | "parsed" | "file" | "space">,
    body: Uint8Array,
  ) {
    const module = record.parsed.itemType === "tool" ? record.parsed.data.module : undefined;
    const attachments = await toolAttachments({
      module,
      definitionFile: record.file.location,
      spaceRoot: record.space.root,
      maxBytes: this.#limits.maxItemBytes,
    });
    const payload: SignedPayload = {
      itemType: record.itemType,
      itemId: record.id,
      category: record.category,
      body,
      attachments,
    };
    return payload;
  }

  /** An item file's bytes, fresh from its space (capped at the item size limit), unverified. */
  readBytes(space: ItemSource, file: ItemFile): Promise<Uint8Array> {
    return space.read(file.relPath, this.#limits.maxItemBytes);
  }

  /** Reads and verifies an item for use (see `verifyBytes`). */
  async readVerified(space: ItemSource, file: ItemFile): Promise<VerifiedItem> {
    return this.verifyBytes(space, file, await this.readBytes(space, file));
  }

  /**
   * Verifies an item's bytes, then parses them: no byte of an unverified item reaches the parser. The
   * signature line is checked first (present, well formed, trusted signer), then the signature over the
   * body and what it covers. A tool's code module is part of that: the module is read from its one
   * top-level `module:` line without the parser (`declaredField`; signing refuses a module written any
   * other way), and once parsed, a definition naming another module is checked again over that one.
   * Throws INTEGRITY_MISMATCH (unsigned, malformed, untrusted, modified) or, for a verified item that
   * does not parse, the parse error.
   */
  async verifyBytes(space: ItemSource, file: ItemFile, bytes: Uint8Array): Promise<VerifiedItem> {
    const known = this.#verifiedByBytes.get(bytes);
    if (
      known &&
      known.item.space === space &&
      known.item.file.location === file.location &&
      (!known.module || moduleUnchanged(known.module, file.location, space.root))
    )
      return known.item;
    const label = `${space.name}:${file.relPath}`;
    const split = splitSignature(file.itemType, bytes);
    const hint = signHint(file.itemType, file.category ? `${file.category}/${file.id}` : file.id);
    this.#verifier.precheck({ file: label, split, signHint: hint, trustHint: space.trustHint });
    const contentHash = createHash("sha256").update(bytes).digest("hex");
    const module = file.itemType === "tool" ? declaredField(split.body, "module") : undefined;
    const { attachments, stamp } = toolAttachmentsStamped({
      module,
      definitionFile: file.location,
      spaceRoot: space.root,
      maxBytes: this.#limits.maxItemBytes,
    });
    const query =
      this.#cache && file.stamp
        ? this.#query({
            file,
            label,
            itemType: file.itemType,
            id: file.id,
            category: file.category,
            contentHash,
          })
        : undefined;
    const { signature, fact } = this.#verifier.check({
      file: label,
      split,
      payload: {
        itemType: file.itemType,
        itemId: file.id,
        category: file.category,
        body: split.body,
        attachments,
      },
      // A module written in a form the line reader does not take cannot be checked before parsing.
      signHint:
        file.itemType === "tool" &&
        module === undefined &&
        /^module\s*:/m.test(Buffer.from(split.body).toString("utf8"))
          ? `${hint} after writing its module on one line (module: "<specifier>")`
          : hint,
      trustHint: space.trustHint,
      known: query && this.#cache?.match(query)?.fact,
    });
    const record = this.#recordOf(space, file, bytes, split, label, contentHash);
    const parsedModule = record.parsed.itemType === "tool" ? record.parsed.data.module : undefined;
    let checked = signature;
    // The line read before parsing named another module than the definition: check the one it names.
    if (parsedModule !== module) checked = await this.checkSignature(record);
    else if (query) this.#cache?.remember(query, record.parsed, fact, Date.now());
    const verified: VerifiedItem = {
      ...record,
      signature: checked,
      core: space.kind === "core" && checked.signerOrigin === "core",
    };
    // Remembered when what was checked is all there is: no module, a package (named, not read), or the
    // path module read above with a known identity. A definition whose parse names another module than
    // its `module:` line was checked over that one by a second read: not remembered.
    if (parsedModule === module && (!module || attachmentsWithoutIo(module) || stamp))
      this.#verifiedByBytes.set(bytes, stamp ? { item: verified, module: stamp } : { item: verified });
    return verified;
  }

  /** Verifies the record's signature; throws INTEGRITY_MISMATCH when unsigned, modified or untrusted. */
  async verify(record: ItemRecord): Promise<VerifiedItem> {
    const signature = await this.checkSignature(record);
    return { ...record, signature, core: record.space.kind === "core" && signature.signerOrigin === "core" };
  }

  /**
   * The signature check of `verify` alone (the index needs no VerifiedItem): synchronous unless the item
   * has a path module, whose bytes must be read first.
   */
  checkSignature(record: ItemRecord): VerifiedSignature | Promise<VerifiedSignature> {
    const module = record.parsed.itemType === "tool" ? record.parsed.data.module : undefined;
    const attachments = attachmentsWithoutIo(module);
    if (!attachments)
      return this.payloadOf(record, record.split.body).then((payload) => this.#signatureOf(record, payload));
    return this.#signatureOf(record, {
      itemType: record.itemType,
      itemId: record.id,
      category: record.category,
      body: record.split.body,
      attachments,
    });
  }

  #signatureOf(record: ItemRecord, payload: SignedPayload): VerifiedSignature {
    const query = this.#cache && record.file.stamp ? this.#query(record) : undefined;
    const { signature, fact } = this.#verifier.check({
      file: record.label,
      split: record.split,
      payload,
      signHint: signHint(record.itemType, record.category ? `${record.category}/${record.id}` : record.id),
      trustHint: record.space.trustHint,
      known: query && this.#cache?.match(query)?.fact,
    });
    if (query) this.#cache?.remember(query, record.parsed, fact, Date.now());
    return signature;
  }

  /** Returns the file content signed with `key`: a new signature line followed by the exact body. */
  async sign(record: ItemRecord, key: SigningKey, now: Date): Promise<Uint8Array> {
    const payload = await this.payloadOf(record, record.split.body);
    const line = formatSignatureLine(record.itemType, signPayload(payload, key, now));
    return Buffer.concat([Buffer.from(line, "utf8"), record.split.body]);
  }
}
