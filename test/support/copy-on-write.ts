/**
 * Copy-on-write views of plain JSON data, for tests that break a copy of a large synthesis: reading
 * through a view reads the original; the first write anywhere inside a root copies that root (and
 * only it), and every later read and write goes to the copy. Copying every manifest of an
 * environment up front, to change three of them, was most of what such a test cost.
 */
type Json = any;

const PATH = Symbol('copy-on-write path');

/** One root value (a manifest) and, once written, its copy. */
export class CopyOnWrite {
  private copied: Json | undefined;

  constructor(private readonly original: object) {}

  /** The view to hand out: reads see the current value, writes copy the root first. */
  get view(): Json {
    return this.wrap([]);
  }

  /** The original while nothing was written, else the (changed) copy. */
  get current(): Json {
    return this.copied ?? this.original;
  }

  /** Whether anything was written through the view (the copy may still equal the original). */
  get written(): boolean {
    return this.copied !== undefined;
  }

  private at(path: readonly PropertyKey[]): Json {
    let value: Json = this.current;
    for (const key of path) value = value?.[key];
    return value;
  }

  private writable(path: readonly PropertyKey[]): Json {
    this.copied ??= JSON.parse(JSON.stringify(this.original));
    return this.at(path);
  }

  /**
   * A value about to be stored: views become plain copies of what they show now (a view is a path,
   * and the path may mean something else after the write, e.g. an array filtered into itself).
   */
  private plain(value: Json): Json {
    if (value === null || typeof value !== 'object') return value;
    if (value[PATH]) return JSON.parse(JSON.stringify(value));
    if (Array.isArray(value)) return value.map((v) => this.plain(v));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.plain(v)]));
  }

  private readonly views = new Map<string, Json>();

  /** The view of one path, the same object each time (tests compare views, put them in sets). */
  private wrap(path: readonly PropertyKey[]): Json {
    const id = path.map(String).join('\u0000');
    let view = this.views.get(id);
    if (!view) this.views.set(id, (view = this.proxy(path)));
    return view;
  }

  private proxy(path: readonly PropertyKey[]): Json {
    return new Proxy(this.at(path), {
      get: (_, key) => {
        if (key === PATH) return path;
        const value = this.at(path)?.[key];
        // Functions (Array.prototype methods) are called with the view as `this`, so they read through it.
        return value !== null && typeof value === 'object' && Object.prototype.hasOwnProperty.call(this.at(path), key) ? this.wrap([...path, key]) : value;
      },
      set: (_, key, value) => {
        const stored = this.plain(value);
        this.writable(path)[key] = stored;
        return true;
      },
      deleteProperty: (_, key) => {
        delete this.writable(path)[key];
        return true;
      },
      has: (_, key) => key in this.at(path),
      ownKeys: () => Reflect.ownKeys(this.at(path)),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(this.at(path), key);
        // A proxy may call a property non-configurable only if its target's is: an array's `length`.
        return descriptor && !(Array.isArray(this.at(path)) && key === 'length') ? { ...descriptor, configurable: true } : descriptor;
      },
    });
  }
}
