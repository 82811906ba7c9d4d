// rpm's transaction order (lib/order.c, rpmtsOrder in 4.18), which rpm runs even under --nodeps: the elements'
// Requires, Recommends, Suggests, Supplements, Enhances and OrderWithRequires within the transaction become
// relations (a required package first on install, last on erase; Supplements and Enhances the other way round; the
// weak ones weigh nothing when a loop is broken), loops (strongly connected components, Tarjan) are broken where the
// fewest prerequisites suffer, and the rest keeps rpm's queue discipline: installs first, then erasures, each run seeded with the elements nothing holds back,
// queued by how many others require them (ties go to the front, so independent packages come out in reverse of
// the order they were added). Left out as rpm-sim has no use for them: multilib colors and rich dependencies.
import type { Dependency, DependencyKind, EngineHeader } from '../format/model.js'
import { DEP_MASK, dependenciesOverlap, headerDependencies } from '../format/model.js'
import { SENSE } from '../format/tags.js'

/** One element as ordering sees it: whether it installs or erases, and the header its dependencies come from. */
export interface OrderElement {
  op: 'install' | 'erase'
  header: Pick<EngineHeader, 'name' | 'provides' | 'depFlags' | (typeof ORDER_KINDS)[number]> & {
    files: readonly { path: string }[]
  }
}

// The kinds that order, in order.c's ordertags order; the weak ones (no prerequisite flags) and the reverse ones.
const ORDER_KINDS = ['requires', 'recommends', 'suggests', 'supplements', 'enhances', 'orders'] as const
const WEAK = new Set<DependencyKind>(['recommends', 'suggests', 'supplements', 'enhances'])
const REVERSE = new Set<DependencyKind>(['supplements', 'enhances'])

interface Relation {
  suc: Node
  flags: number
}

// order.c's tsortInfo. Relation lists are prepended, as rpm's linked lists, so they are walked newest first.
interface Node {
  index: number
  op: OrderElement['op']
  /** Elements this one still waits for (tsi_count). */
  count: number
  /** Elements that require this one (tsi_qcnt). */
  qcnt: number
  /** Those that require this one (tsi_relations) and those it requires (tsi_forward_relations). */
  relations: Relation[]
  forward: Relation[]
  /** The next in its queue (tsi_suc). */
  suc: Node | undefined
  /** Tarjan's index (negative while visiting), then 1 for a trivial component, 2 and up for a loop, 0 once taken. */
  scc: number
  low: number
}

// rpm's added-package list (rpmal) of one kind of element: their provides by name and their files by path, in the
// order the elements were added.
class Available {
  private readonly provides = new Map<string, { node: Node; dep: Dependency }[]>()
  private files: Map<string, Node[]> | undefined

  constructor(
    private readonly nodes: Node[],
    private readonly elements: readonly OrderElement[],
  ) {
    for (const node of nodes)
      for (const dep of headerDependencies((elements[node.index] as OrderElement).header, 'provides')) {
        const list = this.provides.get(dep.name)
        if (list === undefined) this.provides.set(dep.name, [{ node, dep }])
        else list.push({ node, dep })
      }
  }

  // rpmalSatisfiesDepend: a path a package contains first, then provides; the requiring element itself wins (no
  // relation), else the first in the order they were added.
  satisfier(self: Node, req: Dependency): Node | undefined {
    let found = req.name.startsWith('/') ? this.byPath().get(req.name) : undefined
    if (found === undefined || found.length === 0)
      found = (this.provides.get(req.name) ?? []).filter((p) => dependenciesOverlap(p.dep, req)).map((p) => p.node)
    return found.includes(self) ? self : found[0]
  }

  private byPath(): Map<string, Node[]> {
    if (this.files === undefined) {
      const files = new Map<string, Node[]>()
      for (const node of this.nodes)
        for (const f of (this.elements[node.index] as OrderElement).header.files) {
          const list = files.get(f.path)
          if (list === undefined) files.set(f.path, [node])
          else if (list.at(-1) !== node) list.push(node)
        }
      this.files = files
    }
    return this.files
  }
}

// order.c's addSingleRelation: "p requires q" (reversed for erasures, and for Supplements and Enhances).
function addRelation(p: Node, q: Node, depFlags: number, kind: DependencyKind): void {
  let reversed = REVERSE.has(kind)
  let flags: number
  if (p.op === 'erase') {
    reversed = !reversed
    flags = depFlags & DEP_MASK.eraseOnly
  } else flags = depFlags & DEP_MASK.installOnly
  if ((depFlags & DEP_MASK.allRequires) === SENSE.PREREQ)
    flags |= p.op === 'install' ? SENSE.SCRIPT_PRE : SENSE.SCRIPT_PREUN
  // Weak dependencies weigh nothing when a loop is broken (rpm: "avoid loop-breaker inflation").
  if (WEAK.has(kind)) flags = 0
  if (reversed) [p, q] = [q, p]
  // A relation already there only gains the flags (the newest of q's list, as rpm adds all of p's at once).
  const [back, ahead] = reversed ? [q.forward, p.relations] : [q.relations, p.forward]
  if (back[0]?.suc === p) {
    back[0].flags |= flags
    const other = ahead.find((r) => r.suc === q)
    if (other !== undefined) other.flags |= flags
    return
  }
  p.count++
  q.relations.unshift({ suc: p, flags })
  q.qcnt++
  p.forward.unshift({ suc: q, flags })
}

// order.c's addQ: into the queue starting at head[0] (ending at tail[0]), before the first with no more requirers.
function addQ(p: Node, head: { at: Node | undefined }, tail: { at: Node | undefined }): void {
  if (tail.at === undefined) {
    p.suc = undefined
    head.at = p
    tail.at = p
    return
  }
  let prev: Node | undefined
  let q = head.at
  for (; q !== undefined; prev = q, q = q.suc) if (q.qcnt <= p.qcnt) break
  if (prev === undefined) {
    p.suc = q
    head.at = p
  } else if (q === undefined) {
    prev.suc = p
    p.suc = undefined
    tail.at = p
  } else {
    p.suc = q
    prev.suc = p
  }
}

interface Scc {
  count: number
  members: Node[]
}

// Tarjan's strongly connected components over the relations, with rpm's numbering: 1 for a trivial one, 2 and up
// for loops, each loop's count its members' requirements from outside it.
function detectSccs(nodes: Node[]): Scc[] {
  const sccs: Scc[] = [
    { count: 0, members: [] },
    { count: 0, members: [] },
  ]
  const stack: Node[] = []
  let index = 0
  const visit = (n: Node): void => {
    index--
    n.scc = index
    n.low = index
    stack.push(n)
    for (const rel of n.relations) {
      const q = rel.suc
      if (q.scc > 0) continue
      if (q.scc === 0) {
        visit(q)
        n.low = Math.max(n.low, q.low)
      } else n.low = Math.max(n.low, q.scc)
    }
    if (n.low !== n.scc) return
    if (stack.at(-1) === n) {
      stack.pop()
      n.scc = 1
      return
    }
    const nr = sccs.length
    const at = stack.lastIndexOf(n)
    const members = stack.splice(at)
    for (const m of members) m.scc = nr
    let count = 0
    for (const m of [...members].reverse()) {
      count += m.count
      for (const rel of m.relations) if (rel.suc !== m && rel.suc.scc === nr) count--
    }
    sccs.push({ count, members })
  }
  for (const n of nodes) if (n.scc === 0) visit(n)
  return sccs
}

interface Queue {
  head: { at: Node | undefined }
  tail: { at: Node | undefined }
}

// order.c's collectTE: take q, then queue those that waited for it right after it (within the run's queue, whose
// end is `tail`), or, for a loop member freeing something outside its loop, on the loop's outer queue.
function collect(q: Node, out: Node[], sccs: Scc[], tail: Queue['tail'], outer: Queue | undefined): void {
  out.push(q)
  const after = { at: q.suc }
  for (const rel of q.relations) {
    const p = rel.suc
    if (p.scc === 0 || p === q) continue
    if (--p.count === 0) {
      if (q.scc > 1 && q.scc !== p.scc && outer !== undefined) addQ(p, outer.head, outer.tail)
      else addQ(p, after, tail)
    }
    if (p.scc > 1 && p.scc !== q.scc) {
      const s = sccs[p.scc] as Scc
      if (--s.count === 0) {
        if (outer !== undefined) addQ(p, outer.head, outer.tail)
        else addQ(p, after, tail)
      }
    }
  }
  q.suc = after.at
  q.scc = 0
}

// order.c's dijkstra: each loop member's distance from a member with a prerequisite (flagged) relation.
function distances(scc: Scc, nr: number): void {
  const queue: Node[] = []
  for (const n of scc.members) {
    n.low = Number.MAX_SAFE_INTEGER
    for (const rel of n.forward) {
      if (rel.flags !== 0 && rel.suc.scc === nr) {
        if (rel.suc !== n) {
          n.low = 0
          queue.push(n)
        } else n.low = Math.floor(Number.MAX_SAFE_INTEGER / 2)
        break
      }
    }
  }
  if (queue.length === 0) for (const n of scc.members) if (n.low !== Number.MAX_SAFE_INTEGER) queue.push(n)
  for (let i = 0; i < queue.length; i++) {
    const n = queue[i] as Node
    for (const rel of n.forward) {
      const next = rel.suc
      if (next.scc !== nr) continue
      if (next.low > n.low + 1) {
        next.low = n.low + 1
        queue.push(next)
      }
    }
  }
}

// order.c's collectSCC: take a loop's members, each time starting from the one farthest from a prerequisite.
function collectScc(p: Node, out: Node[], sccs: Scc[], tail: Queue['tail']): void {
  const nr = p.scc
  const scc = sccs[nr] as Scc
  const outer: Queue = { head: { at: p.suc }, tail }
  p.suc = undefined
  distances(scc, nr)
  for (;;) {
    let best: Node | undefined
    let score = 0
    for (const n of scc.members) {
      if (n.scc === 0) continue
      if (n.low >= score) {
        best = n
        score = n.low
      }
    }
    if (best === undefined) break
    const inner: Queue = { head: { at: undefined }, tail: { at: undefined } }
    addQ(best, inner.head, inner.tail)
    for (let q = inner.head.at; q !== undefined; q = q.suc) collect(q, out, sccs, inner.tail, outer)
  }
  p.suc = outer.head.at
}

/**
 * rpm's order of a transaction's elements, given in the order rpm adds them (each install, then the erasures it
 * brings, then plain erasures): indexes into `elements`, installs first, then erasures.
 */
export function orderElements(elements: readonly OrderElement[]): number[] {
  const nodes: Node[] = elements.map((e, index) => ({
    index,
    op: e.op,
    count: 0,
    qcnt: 0,
    relations: [],
    forward: [],
    suc: undefined,
    scc: 0,
    low: 0,
  }))
  if (elements.length < 2) return nodes.map((n) => n.index)
  const byOp = { install: nodes.filter((n) => n.op === 'install'), erase: nodes.filter((n) => n.op === 'erase') }
  const available = { install: new Available(byOp.install, elements), erase: new Available(byOp.erase, elements) }
  for (const p of nodes) {
    const h = (elements[p.index] as OrderElement).header
    for (const kind of ORDER_KINDS)
      for (const req of headerDependencies(h, kind)) {
        if ((req.flags & DEP_MASK.unorderedOnly) !== 0 && (req.flags & DEP_MASK.forceOrderOnly) === 0) continue
        if (req.name.startsWith('(')) continue
        const q = available[p.op].satisfier(p, req)
        if (q !== undefined && q !== p) addRelation(p, q, req.flags, kind)
      }
  }
  const sccs = detectSccs(nodes)
  const out: Node[] = []
  for (const op of ['install', 'erase'] as const) {
    const queue: Queue = { head: { at: undefined }, tail: { at: undefined } }
    for (const p of byOp[op]) if (p.count === 0) addQ(p, queue.head, queue.tail)
    for (const s of sccs.slice(2)) {
      const member = s.members[0]
      if (member !== undefined && s.count === 0 && member.op === op) addQ(member, queue.head, queue.tail)
    }
    for (let q = queue.head.at; q !== undefined; q = q.suc) {
      if (q.scc > 1) collectScc(q, out, sccs, queue.tail)
      else collect(q, out, sccs, queue.tail, undefined)
    }
  }
  return out.map((n) => n.index)
}
